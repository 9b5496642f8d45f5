#!/usr/bin/env node
// Checks that every package README names everything its entry points export: for each package
// under packages/ with `exports` in package.json (skipping private packages unless named), it
// reads the entry .ts files under src/ that those exports point to (./dist/x.js → src/x.ts),
// follows their relative re-exports, and fails listing each exported name that appears nowhere
// in the README's code (inline `code` or fenced blocks).
//
//   node scripts/check-readme-exports.mjs                 # every publishable package
//   node scripts/check-readme-exports.mjs core ssm-runner # these package directories only
//
// Exit codes: 0 every name is documented, 1 some are missing, 2 bad usage or unreadable input.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = join(root, 'packages');

/** The src/ file an export target points to, or undefined for non-code targets (JSON, configs). */
function sourceOf(packageDir, target) {
  if (typeof target !== 'string' || !/\.(js|ts)$/.test(target) || target.includes('*')) return undefined;
  const path = target.replace(/^\.\//, '');
  const candidate = path.startsWith('dist/')
    ? `src/${path.slice('dist/'.length).replace(/\.js$/, '.ts')}`
    : path;
  return join(packageDir, candidate);
}

/** Entry files of a package: one per code export (`import`, else `default`, else `types`). */
function entriesOf(packageDir, manifest) {
  const entries = [];
  for (const [subpath, value] of Object.entries(manifest.exports ?? {})) {
    const target = typeof value === 'string' ? value : (value?.import ?? value?.default ?? value?.types);
    const file = sourceOf(packageDir, target);
    if (file !== undefined) entries.push({ subpath, file });
  }
  return entries;
}

/** A relative module specifier (`./x.js`) resolved to its .ts file. */
function resolveRelative(fromFile, specifier) {
  const base = resolve(dirname(fromFile), specifier);
  for (const candidate of [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && candidate.endsWith('.ts')) return candidate;
  }
  return undefined;
}

const EXPORTABLE = new Set([
  ts.SyntaxKind.FunctionDeclaration,
  ts.SyntaxKind.ClassDeclaration,
  ts.SyntaxKind.InterfaceDeclaration,
  ts.SyntaxKind.TypeAliasDeclaration,
  ts.SyntaxKind.EnumDeclaration,
  ts.SyntaxKind.ModuleDeclaration,
]);

/** Names a module exports (not `default`), following relative `export … from` into other files. */
function exportedNames(file, problems, seen = new Set()) {
  const names = new Set();
  if (seen.has(file)) return names;
  seen.add(file);
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push(`${relative(root, file)}: cannot read (${error.code ?? error.message})`);
    return names;
  }
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      const specifier = statement.moduleSpecifier?.text;
      const clause = statement.exportClause;
      if (clause !== undefined && ts.isNamedExports(clause)) {
        for (const element of clause.elements) names.add(element.name.text);
      } else if (clause !== undefined && ts.isNamespaceExport(clause)) {
        names.add(clause.name.text);
      } else if (specifier !== undefined) {
        const target = specifier.startsWith('.') ? resolveRelative(file, specifier) : undefined;
        if (target === undefined) {
          problems.push(`${relative(root, file)}: cannot follow \`export * from '${specifier}'\``);
        } else {
          for (const name of exportedNames(target, problems, seen)) names.add(name);
        }
      }
      continue;
    }
    const modifiers = ts.canHaveModifiers(statement) ? (ts.getModifiers(statement) ?? []) : [];
    if (!modifiers.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)) continue;
    if (modifiers.some((modifier) => modifier.kind === ts.SyntaxKind.DefaultKeyword)) continue;
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) names.add(declaration.name.text);
        else problems.push(`${relative(root, file)}: destructured export not checked`);
      }
    } else if (EXPORTABLE.has(statement.kind) && statement.name !== undefined) {
      names.add(statement.name.text);
    }
  }
  return names;
}

/** The README's code: fenced blocks and inline code spans, joined. */
function readmeCode(markdown) {
  const parts = [];
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n([\s\S]*?)^\1[ \t]*$/gm, (_all, _fence, body) => {
    parts.push(body);
    return '\n';
  });
  for (const match of withoutFences.matchAll(/(`+)([\s\S]*?[^`])\1(?!`)/g)) parts.push(match[2]);
  return parts.join('\n');
}

function mentions(code, name) {
  const escaped = name.replace(/[$]/g, '\\$');
  return new RegExp(`(^|[^A-Za-z0-9_$])${escaped}($|[^A-Za-z0-9_$])`).test(code);
}

function main(argv) {
  const named = argv.filter((arg) => !arg.startsWith('-'));
  if (argv.some((arg) => arg === '-h' || arg === '--help')) {
    process.stdout.write('usage: node scripts/check-readme-exports.mjs [package-dir ...]\n');
    return 0;
  }
  const directories = named.length > 0 ? named : readdirSync(packagesDir).sort();
  let missingTotal = 0;
  let checked = 0;
  const problems = [];
  for (const directory of directories) {
    const packageDir = join(packagesDir, directory);
    const manifestPath = join(packageDir, 'package.json');
    if (!existsSync(manifestPath)) {
      if (named.length > 0) {
        process.stderr.write(`check-readme-exports: no package at packages/${directory}\n`);
        return 2;
      }
      continue;
    }
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (manifest.private === true && named.length === 0) continue;
    const entries = entriesOf(packageDir, manifest);
    if (entries.length === 0) continue;
    const readmePath = join(packageDir, 'README.md');
    if (!existsSync(readmePath)) {
      process.stdout.write(`${manifest.name}: no README.md\n`);
      missingTotal += 1;
      continue;
    }
    const code = readmeCode(readFileSync(readmePath, 'utf8'));
    checked += 1;
    for (const { subpath, file } of entries) {
      const missing = [...exportedNames(file, problems)].filter((name) => !mentions(code, name)).sort();
      if (missing.length === 0) continue;
      missingTotal += missing.length;
      const entry = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.replace(/^\.\//, '')}`;
      process.stdout.write(
        `${entry} (${relative(root, file)}): ${missing.length} export(s) not in ${relative(root, readmePath)}: ${missing.join(', ')}\n`,
      );
    }
  }
  for (const problem of problems) process.stderr.write(`check-readme-exports: ${problem}\n`);
  if (problems.length > 0) return 2;
  if (missingTotal > 0) return 1;
  process.stdout.write(`check-readme-exports: ${checked} package README(s) name every export\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
