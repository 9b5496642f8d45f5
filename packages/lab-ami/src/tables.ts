import type { AmiImage, ImageCheck } from '@lab/ami-builder';
import type { Column } from '@lab/cli-kit';

/** The longest AMI id (`ami-` and 17 hex digits): never cut. */
const AMI_WIDTH = 21;

/** `2026-01-02T03:04:05.000Z` as `2026-01-02 03:04` (UTC): the minute is enough to tell images apart on screen. */
const created = (iso: string | undefined) =>
  iso === undefined
    ? undefined
    : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso)
      ? iso.slice(0, 16).replace('T', ' ')
      : iso;

// On a narrow terminal the names shrink first, then OMB and SNAPSHOTS are left out (--json has all).
export function imageColumns(latest: ReadonlySet<string>): Column<AmiImage>[] {
  return [
    { header: 'VERSION', value: (image) => image.pulsarVersion ?? '(untagged)' },
    { header: ' ', value: (image) => (latest.has(image.imageId) ? '*' : ' ') },
    { header: 'AMI', value: (image) => image.imageId, minWidth: AMI_WIDTH },
    { header: 'STATE', value: (image) => image.state },
    { header: 'CREATED', value: (image) => created(image.creationDate) },
    { header: 'OMB', value: (image) => image.ombCommit?.slice(0, 12), optional: true },
    { header: 'SNAPSHOTS', value: (image) => image.snapshotIds.length, align: 'right', optional: true },
    { header: 'NAME', value: (image) => image.name, shrink: true, minWidth: 12 },
  ];
}

export const checkColumns: Column<ImageCheck>[] = [
  { header: 'CHECK', value: (check) => check.name },
  { header: 'RESULT', value: (check) => (check.ok ? 'ok' : 'FAIL') },
  { header: 'EXPECTED', value: (check) => check.expected, shrink: true, minWidth: 12 },
  { header: 'ACTUAL', value: (check) => check.actual, shrink: true, minWidth: 12 },
];

export const pruneColumns: Column<{ image: AmiImage; action: string }>[] = [
  { header: 'ACTION', value: (row) => row.action, shrink: true, minWidth: 10 },
  { header: 'VERSION', value: (row) => row.image.pulsarVersion ?? '(untagged)' },
  { header: 'AMI', value: (row) => row.image.imageId, minWidth: AMI_WIDTH },
  { header: 'STATE', value: (row) => row.image.state },
  { header: 'CREATED', value: (row) => created(row.image.creationDate) },
  { header: 'NAME', value: (row) => row.image.name, shrink: true, minWidth: 12 },
];
