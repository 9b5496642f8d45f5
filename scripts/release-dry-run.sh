#!/usr/bin/env bash
# Release dry run. In a temporary copy of the checkout, `changeset version` applies the pending
# changesets; then every publishable package must have a CHANGELOG.md and a new version, pack
# with `pnpm pack` (its LICENSE, README and `files`, workspace ranges made real), pass
# `publint --strict` on its tarball, and install from the tarballs alone into an empty directory
# outside the workspace, where every entry point imports, @lab/config resolves its defaults from
# the files it ships and @lab/infra finds the Terraform module it ships. The checkout itself is
# never changed.
#
# Needs `pnpm install` and `pnpm build` done (the tarballs carry dist/).
#   bash scripts/release-dry-run.sh              # prints each step, exits non-zero on the first failure
#   bash scripts/release-dry-run.sh --keep DIR   # also leaves the tarballs in DIR
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
keep=''
while (($# > 0)); do
  case "$1" in
    --keep)
      keep=${2:?--keep needs a directory}
      shift 2
      ;;
    *)
      echo "release-dry-run: unknown argument $1 (usage: release-dry-run.sh [--keep DIR])" >&2
      exit 2
      ;;
  esac
done

step() { printf '\n--- %s\n' "$1"; }
fail() {
  echo "release-dry-run: $1" >&2
  exit 1
}

work=$(mktemp -d -t lab-release.XXXXXX)
# shellcheck disable=SC2317,SC2329 # called by the EXIT trap
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
copy=$work/repo
tarballs=$work/tarballs
consumer=$work/consumer
mkdir -p "$copy" "$tarballs" "$consumer"

mapfile -t packages < <(cd "$root" && for manifest in packages/*/package.json; do
  node -e 'const p = require(process.argv[1]); if (!p.private) console.log(process.argv[2])' \
    "$root/$manifest" "$(dirname "$manifest")"
done)
((${#packages[@]} > 0)) || fail 'no publishable package found'
for dir in "${packages[@]}"; do
  [[ -d $root/$dir/dist ]] || fail "$dir/dist is missing: run \`pnpm build\` first"
done

step "copy of the checkout (${#packages[@]} publishable packages)"
# What a clone of this working tree has: tracked and new files, nothing git ignores.
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' file; do [[ -e $file ]] && printf '%s\0' "$file"; done |
  xargs -0 cp --parents -t "$copy")
# What `pnpm build` made and the packages ship.
for dir in "${packages[@]}"; do
  cp -R "$root/$dir/dist" "$copy/$dir/dist"
done
# The build also copies the repository's configs/ into @lab/config, packer/ into @lab/ami-builder
# and terraform/ into @lab/infra.
for generated in packages/config/configs packages/ami-builder/packer packages/infra/terraform; do
  [[ -d $root/$generated ]] || fail "$generated is missing: run \`pnpm build\` first"
  cp -R "$root/$generated" "$copy/$generated"
done
# `changeset version` loads its changelog generator, and `pnpm pack` reads the versions of the
# workspace dependencies, from the copy's own install (offline: everything is in the store).
(cd "$copy" && pnpm install --frozen-lockfile --offline --ignore-scripts --reporter=silent)
git -C "$copy" init -q
git -C "$copy" add -A
git -C "$copy" -c user.name=release-dry-run -c user.email=release-dry-run@localhost commit -qm 'release dry run'

version_of() { node -p 'require(process.argv[1]).version' "$1"; }
declare -A before
for dir in "${packages[@]}"; do before[$dir]=$(version_of "$copy/$dir/package.json"); done

step 'changeset version'
(cd "$copy" && pnpm exec changeset version)

step 'every publishable package has a CHANGELOG.md and a new version'
for dir in "${packages[@]}"; do
  after=$(version_of "$copy/$dir/package.json")
  [[ -s $copy/$dir/CHANGELOG.md ]] || fail "$dir has no CHANGELOG.md after changeset version"
  [[ $after != "${before[$dir]}" ]] || fail "$dir is still at ${before[$dir]} after changeset version"
  grep -q "^## $after\$" "$copy/$dir/CHANGELOG.md" || fail "$dir/CHANGELOG.md has no section for $after"
  printf '%-28s %s -> %s\n' "$dir" "${before[$dir]}" "$after"
done

step 'pnpm pack and publint --strict, package by package'
for dir in "${packages[@]}"; do
  (cd "$copy/$dir" && pnpm pack --pack-destination "$tarballs" >/dev/null)
  name=$(node -p 'require(process.argv[1]).name' "$copy/$dir/package.json")
  # shellcheck disable=SC2016 # a JavaScript template literal, not a shell expansion
  tarball=$tarballs/$(node -p 'const p = require(process.argv[1]); `${p.name.replace("@", "").replace("/", "-")}-${p.version}.tgz`' "$copy/$dir/package.json")
  [[ -f $tarball ]] || fail "pnpm pack of $dir made no $(basename "$tarball")"
  listing=$(tar -tzf "$tarball")
  for file in package/package.json package/README.md package/LICENSE; do
    grep -qx "$file" <<<"$listing" || fail "$(basename "$tarball") lacks ${file#package/}"
  done
  grep -q '^package/dist/' <<<"$listing" || fail "$(basename "$tarball") lacks dist/"
  if tar -xOzf "$tarball" package/package.json | grep -q '"workspace:'; then
    fail "$(basename "$tarball") still has workspace: ranges"
  fi
  (cd "$copy" && pnpm exec publint run "$tarball" --strict) >"$work/publint.log" 2>&1 || {
    cat "$work/publint.log" >&2
    fail "publint --strict failed for $name"
  }
  printf '%-28s %s (%s files)\n' "$name" "$(basename "$tarball")" "$(wc -l <<<"$listing")"
done
config_listing=$(tar -tzf "$tarballs"/lab-config-*.tgz)
grep -qx 'package/configs/cluster/default.yaml' <<<"$config_listing" ||
  fail '@lab/config does not ship configs/cluster/default.yaml'
infra_listing=$(tar -tzf "$tarballs"/lab-infra-*.tgz)
for file in package/terraform/versions.tf package/terraform/main.tf package/terraform/modules/cluster/main.tf; do
  grep -qx "$file" <<<"$infra_listing" || fail "@lab/infra does not ship ${file#package/}"
done
if grep -E '/\.terraform(/|\.lock\.hcl$)|\.tfstate|\.tfvars' <<<"$infra_listing"; then
  fail '@lab/infra ships working files of a local Terraform run (listed above)'
fi

step 'npm install of the tarballs alone, in an empty directory outside the workspace'
(cd "$consumer" && npm init -y >/dev/null &&
  npm install --no-audit --no-fund --loglevel=error "$tarballs"/*.tgz)
cat >"$consumer/smoke.mjs" <<'EOF'
// Every entry point of every package imports; @lab/config finds its shipped defaults.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const installed = JSON.parse(readFileSync('package.json', 'utf8')).dependencies;
let entries = 0;
for (const name of Object.keys(installed)) {
  const manifest = JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8'));
  for (const subpath of Object.keys(manifest.exports ?? { '.': {} })) {
    if (subpath.includes('*') || subpath.endsWith('.json')) continue;
    await import(subpath === '.' ? name : `${name}/${subpath.slice(2)}`);
    entries += 1;
  }
}
const config = await import('@lab/config');
const resolved = config.resolveConfigSources({});
const heap = resolved.provenance.find((entry) => entry.path === 'cluster.bookkeeper.heapMb');
if (resolved.config.cluster.bookkeeper.heapMb !== 2048 || heap?.provenance.kind !== 'default') {
  throw new Error(`@lab/config did not resolve its shipped defaults: ${JSON.stringify(heap)}`);
}
const defaults = require.resolve('@lab/config/configs/cluster/default.yaml');
if (!existsSync(config.shippedConfigPath('test-plans/poc.yaml')) || !existsSync(defaults)) {
  throw new Error('@lab/config ships no test plans or defaults');
}
const { shippedTerraformDir } = await import('@lab/infra');
const terraform = shippedTerraformDir();
if (!existsSync(`${terraform}/versions.tf`) || !existsSync(`${terraform}/main.tf`)) {
  throw new Error(`@lab/infra ships no Terraform module at ${terraform}`);
}
console.log(`${entries} entry points imported; @lab/config defaults from ${defaults}; Terraform module at ${terraform}`);
EOF
(cd "$consumer" && node smoke.mjs)

if [[ -n $keep ]]; then
  mkdir -p "$keep"
  cp "$tarballs"/*.tgz "$keep"/
  echo "tarballs kept in $keep"
fi
step "release dry run passed: ${#packages[@]} packages versioned, packed, linted and installed"
