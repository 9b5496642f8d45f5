import { describe, expect, it } from 'vitest';
import { formatTable, singleLine, stripAnsi, terminalWidth, truncate, visibleWidth } from '../src/index.js';

const red = (text: string) => `\u001b[31m${text}\u001b[39m`;

describe('width', () => {
  it('measures what a terminal shows: escapes take no cell, wide characters two', () => {
    expect(visibleWidth(red('vpc-1'))).toBe(5);
    expect(visibleWidth('⠼ ▶ setup')).toBe(9);
    expect(visibleWidth('実験')).toBe(4);
    expect(visibleWidth('e\u0301')).toBe(1);
  });

  it('cuts to a width with an ellipsis, keeps escapes and resets a cut colour', () => {
    expect(truncate('subnet-0123456789abcdef0', 10)).toBe('subnet-01…');
    expect(truncate('short', 10)).toBe('short');
    expect(truncate(red('subnet-0123456789'), 6)).toBe('\u001b[31msubne…\u001b[0m');
    expect(visibleWidth(truncate('実験実験実験', 5))).toBeLessThanOrEqual(5);
    expect(truncate('abc', 0)).toBe('');
  });

  it('keeps a text on one line and escapes intact', () => {
    expect(singleLine('Error: apply failed\n  at line 3\r\tnow')).toBe(
      'Error: apply failed   at line 3  now',
    );
    expect(singleLine(red('a\nb'))).toBe(red('a b'));
    expect(stripAnsi(red('x'))).toBe('x');
  });

  it('fits only terminals', () => {
    expect(terminalWidth({ isTTY: true, columns: 80 })).toBe(80);
    expect(terminalWidth({ isTTY: false, columns: 80 })).toBeUndefined();
    expect(terminalWidth({ isTTY: true })).toBeUndefined();
  });
});

describe('table', () => {
  const rows = [
    { id: 'vpc-1', n: 3, name: undefined },
    { id: 'subnet-22', n: 12, name: 'lab' },
  ];
  const columns = [
    { header: 'ID', value: (r: (typeof rows)[number]) => r.id },
    { header: 'N', value: (r: (typeof rows)[number]) => r.n, align: 'right' as const },
    { header: 'NAME', value: (r: (typeof rows)[number]) => r.name },
  ];

  it('aligns columns and marks empty cells', () => {
    expect(formatTable(rows, columns)).toBe(
      ['ID          N  NAME', 'vpc-1       3  -', 'subnet-22  12  lab'].join('\n'),
    );
  });

  const plan = [
    {
      type: 'instance-profile',
      id: 'pulsar-aws-lab-exp-20260101-000001-profile',
      region: 'us-east-1',
      name: 'a very long name tag that someone gave this resource',
      waitsFor: 'i-0123456789abcdef0, i-0123456789abcdef1, i-0123456789abcdef2 +4 more',
    },
    { type: 'vpc', id: 'vpc-0123456789abcdef0', region: 'us-east-1', name: 'lab', waitsFor: '' },
  ];
  const planColumns = [
    { header: 'type', value: (r: (typeof plan)[number]) => r.type },
    { header: 'id', value: (r: (typeof plan)[number]) => r.id },
    { header: 'region', value: (r: (typeof plan)[number]) => r.region },
    { header: 'name', value: (r: (typeof plan)[number]) => r.name, shrink: true },
    { header: 'waits for', value: (r: (typeof plan)[number]) => r.waitsFor, shrink: true },
  ];

  it('fits a width: shrinkable columns give up room first, cells end in …, no row is wider', () => {
    const table = formatTable(plan, planColumns, { width: 100 }).split('\n');
    for (const line of table) expect(visibleWidth(line)).toBeLessThanOrEqual(100);
    // The ids are whole; the free-text columns were cut.
    expect(table[1]).toContain('pulsar-aws-lab-exp-20260101-000001-profile');
    expect(table[1]).toContain('…');
    expect(table[2]).toMatch(/^vpc\s+vpc-0123456789abcdef0\s+us-east-1\s+lab\s+-$/);
  });

  it('at 80 columns still shows every column, and at 30 cuts the row at the edge', () => {
    const at80 = formatTable(plan, planColumns, { width: 80 }).split('\n');
    expect(at80[0]).toMatch(/^type\s+id\s+region\s+name\s+waits…?/);
    for (const line of at80) expect(visibleWidth(line)).toBeLessThanOrEqual(80);
    for (const line of formatTable(plan, planColumns, { width: 30 }).split('\n')) {
      expect(visibleWidth(line)).toBeLessThanOrEqual(30);
    }
  });

  it('cuts free text before ids, and long ids (ARNs) before names go below 20 cells', () => {
    const arn = 'arn:aws:iam::123456789012:policy/exp-20260101-000001-policy-8f97134d';
    const rows = [
      {
        id: arn,
        name: 'exp-20260101-000001-policy-8f97134d',
        waits: 'exp-20260101-000001-role-e0bdc026, exp-20260101-000001-role-00000000',
      },
      { id: 'eipalloc-0123456789abcdef0', name: '-', waits: '-' },
    ];
    const columns = [
      { header: 'id', value: (r: (typeof rows)[number]) => r.id, minWidth: 26 },
      { header: 'name', value: (r: (typeof rows)[number]) => r.name, shrink: true, minWidth: 8 },
      { header: 'waits for', value: (r: (typeof rows)[number]) => r.waits, shrink: true, minWidth: 12 },
    ];
    const wide = formatTable(rows, columns, { width: 150 }).split('\n');
    expect(wide[1]).toContain(arn);
    expect(wide[1]).toContain('exp-20260101-000001-policy-8f97134d');
    expect(wide[1]).toMatch(/…$/);
    const medium = formatTable(rows, columns, { width: 70 }).split('\n');
    expect(medium[1]).toMatch(/^arn:aws:iam::123456789012… {2}exp-20260101-000001… {2}exp-20260101-000001…$/);
    expect(medium[2]).toMatch(/^eipalloc-0123456789abcdef0 {2}-/);
  });

  it('leaves optional columns out when shrinking is not enough, and gives their room back', () => {
    const images = [
      {
        version: '4.0.4',
        ami: 'ami-0123456789abcdef0',
        omb: '00502be586da',
        name: 'pulsar-base-4.0.4-20260101-000000',
      },
    ];
    const columns = [
      { header: 'VERSION', value: (r: (typeof images)[number]) => r.version },
      { header: 'AMI', value: (r: (typeof images)[number]) => r.ami, minWidth: 21 },
      { header: 'OMB', value: (r: (typeof images)[number]) => r.omb, optional: true },
      { header: 'NAME', value: (r: (typeof images)[number]) => r.name, shrink: true, minWidth: 12 },
    ];
    expect(formatTable(images, columns, { width: 80 }).split('\n')[0]).toMatch(
      /^VERSION\s+AMI\s+OMB\s+NAME$/,
    );
    const narrow = formatTable(images, columns, { width: 50 }).split('\n');
    expect(narrow[0]).toMatch(/^VERSION\s+AMI\s+NAME$/);
    expect(narrow[1]).toBe('4.0.4    ami-0123456789abcdef0  pulsar-base-4.0.4…');
  });

  it('keeps full values without a width, and a cell with line breaks on one line', () => {
    const table = formatTable(plan, planColumns);
    expect(table).toContain(plan[0]!.waitsFor);
    expect(formatTable([{ e: 'first\nsecond' }], [{ header: 'error', value: (r) => r.e }])).toBe(
      'error\nfirst second',
    );
  });
});
