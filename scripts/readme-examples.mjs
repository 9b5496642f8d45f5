// Runs the FIRST code example of every installed library's README, as a reader would paste it:
// for each @lab/* package installed in a consumer directory that has no `bin` (the CLIs are
// tried by their commands instead), the first ```ts or ```js block of the README.md *in the
// installed package* (what npm users read) becomes examples/<package>.mts in that directory and
// runs there with node (types stripped). An example may import only its own package (and its
// subpaths), node:* modules and the @aws-sdk/* clients its package depends on (or takes as
// peers): anything else would work here only because the consumer has every @lab package.
//
// Each run is echoed (`$ node examples/lab-backoff.mts`), then its output. The first failure
// (a missing or badly importing example, a non-zero exit, or more than --timeout seconds) ends
// the run with exit code 1 and names the package and its README. Needs Node >= 22.6.
//
//   node scripts/readme-examples.mjs CONSUMER_DIR [PACKAGE...] [--timeout SECONDS] [--list]
//                                    [--typecheck-with WORKSPACE]
//     PACKAGE            only these (e.g. @lab/backoff); default every installed library
//     --list             print the extracted examples' paths, run nothing
//     --typecheck-with   first type-check every example (strict) against the installed packages'
//                        types, with the TypeScript compiler and @types/node of WORKSPACE
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const USAGE =
  'usage: readme-examples.mjs CONSUMER_DIR [PACKAGE...] [--timeout SECONDS] [--list] [--typecheck-with WORKSPACE]';

function fail(message) {
  console.error(`readme-examples: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const options = {
    consumer: undefined,
    only: [],
    timeoutSeconds: 60,
    list: false,
    typecheckWith: undefined,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--list') options.list = true;
    else if (arg === '--typecheck-with') {
      if (argv[i + 1] === undefined) fail(`--typecheck-with needs the workspace directory (${USAGE})`);
      options.typecheckWith = resolve(argv[++i]);
    } else if (arg === '--timeout') {
      const seconds = Number(argv[++i]);
      if (!Number.isFinite(seconds) || seconds <= 0) fail(`--timeout needs a number of seconds (${USAGE})`);
      options.timeoutSeconds = seconds;
    } else if (arg.startsWith('-')) fail(`unknown option ${arg} (${USAGE})`);
    else if (options.consumer === undefined) options.consumer = resolve(arg);
    else options.only.push(arg);
  }
  if (options.consumer === undefined) fail(USAGE);
  return options;
}

/** Node runs .mts files with types stripped from 23.6 on; 22.6–23.5 need the flag. */
function nodeFlags() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 6)) {
    fail(`node ${process.version} cannot strip TypeScript types; use Node >= 22.6 (scripts/ensure-node.sh)`);
  }
  return major > 23 || (major === 23 && minor >= 6) ? [] : ['--experimental-strip-types'];
}

/** The installed @lab/* packages that are libraries (no `bin`), by name. */
function installedLibraries(consumer) {
  const scope = join(consumer, 'node_modules', '@lab');
  if (!existsSync(scope)) fail(`no @lab packages installed in ${consumer}`);
  return readdirSync(scope)
    .map((entry) => join(scope, entry))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => manifest.bin === undefined)
    .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

/** The first ```ts/```js block of a README: its code and the line its fence opens on. */
function firstExample(readme) {
  const lines = readme.split('\n');
  const start = lines.findIndex((line) => /^```(ts|typescript|js|javascript|mts|mjs)\s*$/.test(line));
  if (start === -1) return undefined;
  const end = lines.findIndex((line, index) => index > start && /^```\s*$/.test(line));
  if (end === -1) return undefined;
  return { code: `${lines.slice(start + 1, end).join('\n')}\n`, line: start + 1 };
}

/** The modules an example imports (static and dynamic imports with a literal specifier). */
function importedModules(code) {
  const specifiers = new Set();
  const patterns = [
    /^\s*import\s[^'"]*?from\s*['"]([^'"]+)['"]/gms,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) specifiers.add(match[1]);
  return [...specifiers];
}

/** Why an example may not import `specifier`, or undefined when it may. */
function importProblem(specifier, manifest) {
  if (specifier.startsWith('node:')) return undefined;
  if (specifier === manifest.name || specifier.startsWith(`${manifest.name}/`)) return undefined;
  if (specifier.startsWith('@aws-sdk/')) {
    const client = specifier.split('/').slice(0, 2).join('/');
    if (manifest.dependencies?.[client] !== undefined || manifest.peerDependencies?.[client] !== undefined) {
      return undefined;
    }
    return `${client} is neither a dependency nor a peer dependency of ${manifest.name}`;
  }
  return `${specifier} is neither ${manifest.name}, a node: module nor one of its @aws-sdk clients`;
}

/** Extracts every example; a library without one, or with a disallowed import, fails here. */
function extract(consumer, libraries) {
  const examplesDir = join(consumer, 'examples');
  mkdirSync(examplesDir, { recursive: true });
  return libraries.map(({ dir, manifest }) => {
    const readmePath = join(dir, 'README.md');
    const where = `${manifest.name} README.md`;
    if (!existsSync(readmePath)) fail(`${manifest.name} ships no README.md`);
    const example = firstExample(readFileSync(readmePath, 'utf8'));
    if (example === undefined) fail(`${where} has no \`\`\`ts or \`\`\`js code block`);
    for (const specifier of importedModules(example.code)) {
      const problem = importProblem(specifier, manifest);
      if (problem !== undefined) {
        fail(`${where}:${example.line}: the first example imports ${specifier}: ${problem}`);
      }
    }
    const file = join(examplesDir, `${manifest.name.replace('@', '').replace('/', '-')}.mts`);
    writeFileSync(file, example.code);
    return { name: manifest.name, file, where: `${where}:${example.line}` };
  });
}

/** Type-checks the examples as a strict TypeScript user would compile them; stops on an error. */
function typecheck(workspace, consumer, examples) {
  const tsc = join(workspace, 'node_modules', '.bin', 'tsc');
  if (!existsSync(tsc)) fail(`no TypeScript compiler at ${tsc}: run pnpm install in ${workspace}`);
  const args = [
    ...['--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022'],
    ...['--module', 'nodenext', '--moduleResolution', 'nodenext'],
    ...['--types', 'node', '--typeRoots', join(workspace, 'node_modules', '@types')],
    ...examples.map((example) => example.file.slice(consumer.length + 1)),
  ];
  console.log(`\n$ tsc ${args.join(' ')}`);
  const run = spawnSync(tsc, args, { cwd: consumer, stdio: 'inherit' });
  if (run.status !== 0) fail('the README examples do not type-check (errors above, by file and line)');
  console.log(`(${examples.length} examples type-check)`);
}

const options = parseArgs(process.argv.slice(2));
const flags = nodeFlags();
let libraries = installedLibraries(options.consumer);
if (options.only.length > 0) {
  const missing = options.only.filter((name) => !libraries.some(({ manifest }) => manifest.name === name));
  if (missing.length > 0) fail(`not installed as libraries in ${options.consumer}: ${missing.join(', ')}`);
  libraries = libraries.filter(({ manifest }) => options.only.includes(manifest.name));
}
const examples = extract(options.consumer, libraries);
if (options.list) {
  for (const example of examples) console.log(example.file);
  process.exit(0);
}
if (options.typecheckWith !== undefined) typecheck(options.typecheckWith, options.consumer, examples);

for (const example of examples) {
  const relativeFile = example.file.slice(options.consumer.length + 1);
  console.log(`\n$ node ${[...flags, relativeFile].join(' ')}    # ${example.where}`);
  const started = Date.now();
  const run = spawnSync(process.execPath, [...flags, relativeFile], {
    cwd: options.consumer,
    stdio: 'inherit',
    timeout: options.timeoutSeconds * 1000,
    killSignal: 'SIGKILL',
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (run.error?.code === 'ETIMEDOUT') {
    fail(
      `${example.name}: the first example (${example.where}) did not finish within ${options.timeoutSeconds} s`,
    );
  }
  if (run.error !== undefined) fail(`${example.name}: could not run node: ${run.error.message}`);
  if (run.status !== 0) {
    fail(
      `${example.name}: the first example (${example.where}) failed (exit ${run.status ?? run.signal}) after ${seconds} s`,
    );
  }
  console.log(`(${example.name}: ok in ${seconds} s)`);
}
console.log(
  `\n${examples.length} README examples ran: ${examples.map((example) => example.name).join(', ')}`,
);
