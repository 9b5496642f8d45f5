import { posix } from 'node:path';
import { shellQuote } from './quote.js';

// The shell scripts a transfer runs on the instance. Their exit codes and marker lines are the
// protocol the fetch and put steps read back.
export const EXIT_NOT_FOUND = 44;
const EXIT_UNREADABLE = 45;
export const EXIT_CHECKSUM = 46;
export const FETCH_PREFIX = 'lab-ssm-fetch.';
export const PUT_PREFIX = 'lab-ssm-put.';

export interface InstallTarget {
  remotePath: string;
  mode: number;
  owner: string | undefined;
  createDirectories: boolean;
  sha256: string;
  compressedSha256: string;
}

/**
 * Step 1 of a fetch: snapshot, checksum and gzip the file in a private temporary directory, and
 * print `LAB-FETCH-1 size sha256 gzsize gzsha256 dir`. A compressed file of at most `chunkBytes`
 * follows on the next line in base64 and the directory is removed (one command in total).
 */
export function buildFetchPrepareScript(remotePath: string, tempDir: string, chunkBytes: number): string {
  return `set -euo pipefail
src=${shellQuote(remotePath)}
if [ ! -e "$src" ]; then echo 'LAB_REMOTE_FILE_NOT_FOUND: no such file' >&2; exit ${EXIT_NOT_FOUND}; fi
if [ ! -f "$src" ] || [ ! -r "$src" ]; then echo 'LAB_REMOTE_FILE_UNREADABLE: not a readable regular file' >&2; exit ${EXIT_UNREADABLE}; fi
dir=''
keep=0
trap 'if [ "$keep" = 0 ] && [ -n "$dir" ]; then rm -rf -- "$dir"; fi' EXIT
dir=$(mktemp -d ${shellQuote(`${tempDir}/${FETCH_PREFIX}XXXXXXXXXX`)})
cp -- "$src" "$dir/data"
size=$(wc -c < "$dir/data")
sum=$(sha256sum < "$dir/data")
gzip -n -c < "$dir/data" > "$dir/data.gz"
rm -f -- "$dir/data"
gzsize=$(wc -c < "$dir/data.gz")
gzsum=$(sha256sum < "$dir/data.gz")
printf 'LAB-FETCH-1 %s %s %s %s %s\\n' "$((size))" "\${sum%% *}" "$((gzsize))" "\${gzsum%% *}" "$dir"
if [ "$((gzsize))" -le ${chunkBytes} ]; then
  base64 -w 0 < "$dir/data.gz"
  printf '\\n'
else
  keep=1
fi
`;
}

/** Step 2 of a fetch: chunk `index` of the compressed file, base64 on one line. */
export function buildFetchChunkScript(dir: string, index: number, chunkBytes: number): string {
  return `set -euo pipefail
dd if=${shellQuote(`${dir}/data.gz`)} bs=${chunkBytes} skip=${index} count=1 status=none | base64 -w 0
`;
}

/** Removes a transfer's temporary directory. */
export function buildCleanupScript(dir: string): string {
  return `set -euo pipefail
rm -rf -- ${shellQuote(dir)}
`;
}

/** Step 1 of a chunked upload: a private temporary directory, printed on stdout. */
export function buildPutPrepareScript(tempDir: string): string {
  return `set -euo pipefail
mktemp -d ${shellQuote(`${tempDir}/${PUT_PREFIX}XXXXXXXXXX`)}
`;
}

/** Step 2 of a chunked upload: one part of the base64 text, into its own numbered file. */
export function buildPutPartScript(dir: string, index: number, part: string): string {
  return `set -euo pipefail
printf '%s' ${shellQuote(part)} > ${shellQuote(`${dir}/part.${String(index).padStart(6, '0')}`)}
`;
}

/**
 * The last step of an upload: join the parts (or take the inline data), verify both checksums,
 * write a temporary file next to the destination, set mode and owner, and rename it into place.
 * The temporary directory is removed whatever happens.
 */
export function buildPutInstallScript(
  target: InstallTarget,
  source: { tempDir: string; inline: string } | { dir: string; parts: number },
): string {
  const destinationDir = posix.dirname(target.remotePath);
  const lines = ['set -euo pipefail'];
  if ('inline' in source) {
    lines.push(`dir=$(mktemp -d ${shellQuote(`${source.tempDir}/${PUT_PREFIX}XXXXXXXXXX`)})`);
  } else {
    lines.push(`dir=${shellQuote(source.dir)}`);
  }
  lines.push(`tmp=''`, `trap 'rm -rf -- "$dir"; if [ -n "$tmp" ]; then rm -f -- "$tmp"; fi' EXIT`);
  if ('inline' in source) {
    lines.push(`printf '%s' ${shellQuote(source.inline)} > "$dir/part.000000"`);
  } else {
    lines.push(
      `found=$(find "$dir" -maxdepth 1 -name 'part.*' | wc -l)`,
      `if [ "$((found))" -ne ${source.parts} ]; then echo "LAB_PARTS_MISSING: expected ${source.parts} parts, found $((found))" >&2; exit 47; fi`,
    );
  }
  lines.push(
    `cat "$dir"/part.* | base64 -d > "$dir/data.gz"`,
    `gzsum=$(sha256sum < "$dir/data.gz")`,
    `if [ "\${gzsum%% *}" != ${target.compressedSha256} ]; then echo "LAB_CHECKSUM_MISMATCH compressed ${target.compressedSha256} \${gzsum%% *}" >&2; exit ${EXIT_CHECKSUM}; fi`,
    `gzip -dc < "$dir/data.gz" > "$dir/data"`,
    `sum=$(sha256sum < "$dir/data")`,
    `if [ "\${sum%% *}" != ${target.sha256} ]; then echo "LAB_CHECKSUM_MISMATCH content ${target.sha256} \${sum%% *}" >&2; exit ${EXIT_CHECKSUM}; fi`,
  );
  if (target.createDirectories) lines.push(`mkdir -p -- ${shellQuote(destinationDir)}`);
  lines.push(
    `tmp=$(mktemp ${shellQuote(`${destinationDir}/.lab-put.XXXXXXXXXX`)})`,
    `cat "$dir/data" > "$tmp"`,
    `chmod ${target.mode.toString(8).padStart(4, '0')} "$tmp"`,
  );
  if (target.owner !== undefined) lines.push(`chown ${shellQuote(target.owner)} "$tmp"`);
  lines.push(
    `mv -f "$tmp" ${shellQuote(target.remotePath)}`,
    `tmp=''`,
    `printf 'LAB-PUT-1 %s\\n' "\${sum%% *}"`,
  );
  return `${lines.join('\n')}\n`;
}
