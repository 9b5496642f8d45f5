import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withContext } from '@lab/core';
import { renderHtml } from './html.js';
import type { ReportInput } from './model.js';
import { summaryCsv, summaryJson } from './summary.js';

export interface WrittenReport {
  directory: string;
  html: string;
  csv: string;
  json: string;
  htmlBytes: number;
}

/** Writes `index.html`, `summary.csv` and `summary.json` to `directory`, each atomically. */
export async function writeReport(directory: string, input: ReportInput): Promise<WrittenReport> {
  const html = renderHtml(input);
  const files = {
    html: join(directory, 'index.html'),
    csv: join(directory, 'summary.csv'),
    json: join(directory, 'summary.json'),
  };
  try {
    await mkdir(directory, { recursive: true });
    await Promise.all([
      atomicWrite(files.html, html),
      atomicWrite(files.csv, summaryCsv(input.runs, input.thresholds)),
      atomicWrite(files.json, `${summaryJsonText(input)}\n`),
    ]);
  } catch (error) {
    throw withContext(error, `Writing the report to ${directory}`);
  }
  return { directory, ...files, htmlBytes: Buffer.byteLength(html) };
}

/** summary.json's text: unknown values are `null`, never left out. */
export function summaryJsonText(input: ReportInput): string {
  const json = summaryJson(input.runs, {
    ...(input.provenance === undefined ? {} : { provenance: input.provenance }),
    ...(input.thresholds === undefined ? {} : { thresholds: input.thresholds }),
  });
  return JSON.stringify(json, (_key, value: unknown) => (value === undefined ? null : value), 2);
}

async function atomicWrite(path: string, data: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}
