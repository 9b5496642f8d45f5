// Writes the JSON Schemas of the config files to configs/schema/ (for editors in this repository)
// and to the package's schema/ (shipped). `pnpm --filter @lab/config generate`; a test fails when
// the committed files are stale.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonSchemaText, SCHEMA_FILES } from '../src/json-schema.js';
import { SECTIONS } from '../src/sections.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const targets = [join(packageDir, 'schema'), join(packageDir, '..', '..', 'configs', 'schema')];

for (const target of targets) {
  await mkdir(target, { recursive: true });
  for (const section of SECTIONS) {
    await writeFile(join(target, SCHEMA_FILES[section]), jsonSchemaText(section));
  }
}
process.stdout.write(`Wrote ${SECTIONS.length} schemas to ${targets.length} directories\n`);
