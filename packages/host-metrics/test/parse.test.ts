import { describe, expect, it } from 'vitest';
import { HostSamplesError, parseHostSamples } from '../src/index.js';
import { header, line, samplerText } from './lines.js';

const MIB = 1024 * 1024;
const host = { host: 'bookie-1', role: 'bookkeeper' } as const;

function thrown(text: string): HostSamplesError {
  try {
    parseHostSamples(text, host);
  } catch (error) {
    if (error instanceof HostSamplesError) return error;
    throw error;
  }
  throw new Error('expected parseHostSamples to throw');
}

describe('parseHostSamples', () => {
  it('turns two lines of counters into one interval of rates', () => {
    const text = samplerText(
      [
        {
          t: 1000,
          cpu: [100, 0, 50, 1000, 10, 0, 0, 0],
          disks: { nvme1n1: [0, 0, 0, 0, 0, 0, 0, 0], nvme0n1: [5, 8, 1, 5, 8, 1, 2, 2] },
          net: { ens5: [0, 0] },
        },
        {
          // 2 s later: 400 ticks = user 200 (+nice 20), system 60 + irq 10 + softirq 10, iowait 40, steal 20, idle 40
          t: 1002,
          cpu: [300, 20, 110, 1040, 50, 10, 10, 20],
          mem: [8 * 1024 * 1024, 2 * 1024 * 1024],
          // nvme1n1: 100 writes of 40 MiB over 2 s taking 300 ms in all, busy 1.9 s of 2
          disks: {
            nvme1n1: [0, 0, 0, 100, (40 * MIB) / 512, 300, 1900, 2500],
            nvme0n1: [5, 8, 1, 5, 8, 1, 2, 2],
          },
          net: { ens5: [10 * MIB, 4 * MIB] },
        },
      ],
      { nvme1n1: 'journal', nvme0n1: 'root' },
    );
    const series = parseHostSamples(text, { ...host, instanceType: 'i4i.xlarge' });
    expect(series).toEqual({
      host: 'bookie-1',
      role: 'bookkeeper',
      instanceType: 'i4i.xlarge',
      samples: [
        {
          t: 2,
          cpu: { user: 55, system: 20, iowait: 10, steal: 5 },
          memUsedMiB: 6144,
          memTotalMiB: 8192,
          disks: [
            { device: 'nvme1n1', purpose: 'journal', readMBps: 0, writeMBps: 20, utilPct: 95, awaitMs: 3 },
            { device: 'nvme0n1', purpose: 'root', readMBps: 0, writeMBps: 0, utilPct: 0, awaitMs: 0 },
          ],
          net: { rxMBps: 5, txMBps: 2 },
        },
      ],
    });
  });

  it('counts t from startedAt and leaves out intervals outside [startedAt, endedAt]', () => {
    const text = samplerText(
      [10, 11, 12, 13, 14].map((t) => ({ t: 1_700_000_000 + t, cpu: [t * 10, 0, 0, t * 100, 0, 0, 0, 0] })),
    );
    const series = parseHostSamples(text, {
      ...host,
      startedAt: new Date(1_700_000_011_500),
      endedAt: 1_700_000_013_000,
    });
    expect(series.samples.map((sample) => sample.t)).toEqual([0.5, 1.5]);
  });

  it('skips an interval in which a counter went backwards (wrap or reset)', () => {
    const text = samplerText([
      { t: 1, cpu: [100, 0, 0, 100, 0, 0, 0, 0], disks: { sda: [0, 0, 0, 0, 0, 0, 4_294_967_000, 0] } },
      { t: 2, cpu: [150, 0, 0, 150, 0, 0, 0, 0], disks: { sda: [0, 0, 0, 0, 0, 0, 200, 0] } },
      { t: 3, cpu: [200, 0, 0, 200, 0, 0, 0, 0], disks: { sda: [0, 0, 0, 0, 0, 0, 700, 0] } },
      { t: 4, cpu: [10, 0, 0, 10, 0, 0, 0, 0], disks: { sda: [0, 0, 0, 0, 0, 0, 900, 0] } },
    ]);
    const series = parseHostSamples(text, host);
    expect(series.samples.map((sample) => [sample.t, sample.disks[0]?.utilPct])).toEqual([[2, 50]]);
  });

  it('uses only devices present in both lines of an interval, unmapped ones as "other"', () => {
    const text = samplerText([
      { t: 1, cpu: [1, 0, 0, 1, 0, 0, 0, 0], disks: { sda: [0, 0, 0, 0, 0, 0, 0, 0] } },
      {
        t: 2,
        cpu: [2, 0, 0, 2, 0, 0, 0, 0],
        disks: { sda: [0, 0, 0, 0, 0, 0, 0, 0], sdb: [0, 0, 0, 0, 0, 0, 0, 0] },
      },
    ]);
    expect(parseHostSamples(text, host).samples[0]?.disks.map((disk) => [disk.device, disk.purpose])).toEqual(
      [['sda', 'other']],
    );
  });

  it('ignores an unterminated last line (a file read while the sampler wrote it)', () => {
    const text = samplerText([
      { t: 1, cpu: [1, 0, 0, 1, 0, 0, 0, 0] },
      { t: 2, cpu: [2, 0, 0, 2, 0, 0, 0, 0] },
    ]);
    expect(parseHostSamples(`${text}{"t":3,"cpu":[3,0`, host).samples).toHaveLength(1);
  });

  it('gives no samples for a header alone', () => {
    expect(parseHostSamples(`${header()}\n`, host).samples).toEqual([]);
  });

  it.each([
    ['', 1, /no header line/],
    [
      '{"format":"something-else/2"}\n',
      1,
      /not a lab-host-sampler header.*expected "format":"lab-host-sampler\/1"/,
    ],
    [`${header({ sda: 'wal' })}\n`, 1, /disks\.sda.*expected journal \| ledgers \| root \| other, got "wal"/],
    [`${header()}\n\nnot json\n`, 3, /line 3: not JSON/],
    [`${header()}\n[1,2]\n`, 2, /not a JSON object/],
    [
      `${header()}\n{"t":"soon","cpu":[],"mem":[1,1],"disks":{},"net":{}}\n`,
      2,
      /field t \(expected epoch seconds, got "soon"\)/,
    ],
    [
      `${header()}\n{"t":1,"cpu":[1,2,3],"mem":[1,1],"disks":{},"net":{}}\n`,
      2,
      /field cpu \(expected an array of 8 non-negative numbers, got \[1,2,3\]\)/,
    ],
    [`${header()}\n{"t":1,"cpu":[1,0,0,1,0,0,0,0],"disks":{},"net":{}}\n`, 2, /field mem .*got nothing/],
    [
      `${header()}\n${line({ t: 1, cpu: [1, 0, 0, 1, 0, 0, 0, 0], disks: { sda: [1, 2] } })}\n`,
      2,
      /field disks\.sda \(expected an array of 8/,
    ],
    [`${header()}\n${line({ t: 1, cpu: [1, 0, 0, 1, 0, 0, 0, 0] })}\n${header()}\n`, 3, /a second header/],
    [
      `${header()}\n${line({ t: 5, cpu: [1, 0, 0, 1, 0, 0, 0, 0] })}\n${line({ t: 4, cpu: [2, 0, 0, 2, 0, 0, 0, 0] })}\n`,
      3,
      /time went backwards \(expected t after 5, got 4\)/,
    ],
  ])('rejects malformed input %#, naming the line and what was expected', (text, lineNumber, message) => {
    const error = thrown(text);
    expect(error.code).toBe('HOST_SAMPLES_INVALID');
    expect(error.line).toBe(lineNumber);
    expect(error.message).toMatch(new RegExp(`^line ${lineNumber}: `));
    expect(error.message).toMatch(message);
    expect(error.details).toMatchObject({ line: lineNumber });
  });
});
