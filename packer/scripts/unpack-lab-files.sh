#!/usr/bin/env bash
# Unpacks the one archive Packer uploaded (lab/ and systemd/ of packer/files, written by
# `lab-ami build`) into LAB_FILES and LAB_SYSTEMD_FILES, the directories install-lab.sh reads.
# Refuses an archive with anything outside lab/ and systemd/, or without lab/bin/ and systemd/.
# LAB_ROOT (default /) prefixes every path, so tests can run it.
set -euo pipefail

: "${LAB_ARCHIVE:?LAB_ARCHIVE is required (the uploaded .tar.gz)}"
: "${LAB_FILES:?LAB_FILES is required}"
: "${LAB_SYSTEMD_FILES:?LAB_SYSTEMD_FILES is required}"
root="${LAB_ROOT:-/}"
root="${root%/}"
archive="${root}${LAB_ARCHIVE}"
files="${root}${LAB_FILES}"
units="${root}${LAB_SYSTEMD_FILES}"

log() { printf 'unpack-lab-files: %s\n' "$*" >&2; }

if [[ ! -f "$archive" ]]; then
  log "no archive at ${LAB_ARCHIVE}"
  exit 1
fi
if ! command -v tar >/dev/null; then
  dnf -y -q install tar gzip
fi

listing=$(tar -tzf "$archive") || {
  log "${LAB_ARCHIVE} is not a readable .tar.gz"
  exit 1
}
while IFS= read -r entry; do
  if [[ ! "$entry" =~ ^(lab|systemd)(/|$) || "$entry" =~ (^|/)\.\.(/|$) ]]; then
    log "refusing ${LAB_ARCHIVE}: entry '${entry}' is outside lab/ and systemd/"
    exit 1
  fi
done <<<"$listing"

install -d -m 0755 "$(dirname "$files")" "$(dirname "$units")"
staging=$(mktemp -d "$(dirname "$files")/.lab-unpack.XXXXXX")
trap 'rm -rf "$staging"' EXIT
tar -xzf "$archive" -C "$staging" --no-same-owner
for required in lab/bin systemd; do
  if [[ ! -d "${staging}/${required}" ]]; then
    log "refusing ${LAB_ARCHIVE}: it has no ${required}/"
    exit 1
  fi
done

rm -rf "$files" "$units"
mv "${staging}/lab" "$files"
mv "${staging}/systemd" "$units"
rm -f "$archive"
log "unpacked $(grep -cv '/$' <<<"$listing") files into ${LAB_FILES} and ${LAB_SYSTEMD_FILES}"
