/**
 * The repository's own docs stand alone and say what is true (issue 11 item 2): no file, comment
 * or doc refers to a file the repository does not have; docs/contracts.md's JSON example has the
 * keys the CLI prints; its findings table is the code's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { findingTable } from '../../server/src/core/findings';

/** Paths that are made, not kept: build outputs, caches, and example build folders in docs. */
const madePrefixes = ['dist/', 'out/', '.cache/', 'build/', 'node_modules/'];
/** Names that look like files but name no file of the repository, each for a stated reason. */
const notFiles = new Map([
  ['Frame.md', 'the virtual document "Stack Frame.md" of Show Stack Frame (client/src/frameView.ts)'],
  ['CHANGELOG.md', 'the manifest test lists it among the files a .vsix may ship, if present'],
  ['report.md', 'the oracle writes .cache/oracle/report.md'],
]);

/** File references in a text: paths with a folder, or any `*.md`, ending in a source or doc extension. */
export function fileReferences(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/(?<![\w/.@:-])((?:\.{1,2}\/)*[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*\.(?:md|ts|mjs|js|lua|json|sh))\b/g)) {
    const ref = match[1]!;
    if (ref.includes('/') || ref.endsWith('.md')) found.push(ref);
  }
  return found;
}

/** The references in `text` that no tracked file answers (a tracked path equal to it or ending in it). */
export function danglingReferences(text: string, tracked: readonly string[]): string[] {
  return fileReferences(text).filter((ref) => {
    const clean = ref.replace(/^(\.{1,2}\/)+/, '');
    if (madePrefixes.some((prefix) => clean.startsWith(prefix)) || notFiles.has(clean)) return false;
    return !tracked.some((path) => path === clean || path.endsWith(`/${clean}`));
  });
}

test('the reference check finds a missing doc, a missing source, a missing note and a path outside the repository', () => {
  // Invented names of the four shapes issue 11 met: a top-level doc, a source path in code quotes,
  // a notes path and a path that climbs out of the repository.
  const tracked = ['server/src/cli/format-json.ts', 'docs/contracts.md', 'README.md'];
  assert.deepEqual(danglingReferences('see NO-SUCH-DOC.md and (`cli/no-such-format.ts`), notes/no-such-note.md, ../outside/no-such.md', tracked), [
    'NO-SUCH-DOC.md',
    'cli/no-such-format.ts',
    'notes/no-such-note.md',
    '../outside/no-such.md',
  ]);
  assert.deepEqual(danglingReferences('see docs/contracts.md, `cli/format-json.ts`, ./README.md and dist/cli.js', tracked), []);
});

test('no tracked source, script or doc refers to a file the repository does not have', () => {
  const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' }).trim().split('\n');
  const scanned = tracked.filter((path) => (/\.(md|ts|mjs|lua|json)$/.test(path) && path !== 'package-lock.json' && !path.startsWith('test/fixtures/')) || path === '.ci/run');
  assert.ok(scanned.length > 100, `scanned ${scanned.length} files`);
  const dangling: string[] = [];
  for (const path of scanned) {
    // This file plants invented missing names on purpose, to test the check.
    if (path === 'test/unit/contracts.test.ts') continue;
    for (const ref of danglingReferences(readFileSync(path, 'utf8'), tracked)) dangling.push(`${path}: ${ref}`);
  }
  assert.deepEqual(dangling, []);
});

test("docs/contracts.md's JSON example has exactly the keys check --format json prints", () => {
  const doc = readFileSync('docs/contracts.md', 'utf8');
  const block = /<!-- json-shape -->\s*```json\n([\s\S]*?)```/.exec(doc);
  assert.ok(block, 'docs/contracts.md has the json-shape block');
  const example = JSON.parse(block[1]!) as { findings: Record<string, unknown>[]; files: Record<string, unknown>[]; stats: Record<string, unknown> };
  const run = spawnSync(process.execPath, ['dist/cli.js', 'check', '--format', 'json', 'test/fixtures/lsp/kernel.s', 'test/fixtures/cli/missing.s'], { encoding: 'utf8' });
  assert.equal(run.status, 2, 'an unreadable input makes the run exit 2, and the other inputs are still reported');
  const actual = JSON.parse(run.stdout) as typeof example;
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(example).sort());
  const optional = new Set(['source', 'error']);
  const keys = (record: Record<string, unknown>): string[] => Object.keys(record).filter((key) => !optional.has(key)).sort();
  assert.ok(actual.findings.length > 0);
  for (const finding of actual.findings) assert.deepEqual(keys(finding), keys(example.findings[0]!));
  assert.equal(actual.files.length, 2, 'every input given is in files[]');
  for (const file of actual.files) assert.deepEqual(keys(file), keys(example.files[0]!));
  assert.ok(actual.files.some((file) => typeof file.error === 'string'));
  assert.deepEqual(Object.keys(actual.stats).sort(), Object.keys(example.stats).sort());
});

test("docs/contracts.md's findings table is the code's", () => {
  const doc = readFileSync('docs/contracts.md', 'utf8');
  const table = doc.slice(doc.indexOf('<!-- findings-table -->'));
  const rows = [...table.matchAll(/^\| `([a-z-]+)` \| (\w+) \| (.+) \|$/gm)].map((row) => ({ code: row[1], severity: row[2], summary: row[3] }));
  assert.deepEqual(rows, findingTable.map((info) => ({ code: info.code, severity: info.severity, summary: info.summary })));
});

test("docs/contracts.md's command-line synopsis names every option the CLI's --help lists", () => {
  const doc = readFileSync('docs/contracts.md', 'utf8');
  const synopsis = /## Command line\s*```\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(synopsis, 'docs/contracts.md has the synopsis block');
  const help = spawnSync(process.execPath, ['dist/cli.js', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  // The options are in the first column of the usage and option lines (descriptions may quote other tools' options).
  const columns = help.stdout.split('\n').filter((line) => /^\s*(-|redzone-lint )/.test(line)).map((line) => line.trim().split(/\s{2,}/)[0]!);
  const options = new Set(columns.flatMap((column) => [...column.matchAll(/(?<![\w-])(--[a-z][a-z-]*|-[A-Z])\b/g)].map((match) => match[1]!)));
  assert.ok(options.size > 10, `options in --help: ${[...options].join(' ')}`);
  const named = (option: string): boolean => new RegExp(`(?<![\\w-])${option}(?![\\w-])`).test(synopsis);
  assert.deepEqual([...options].filter((option) => !named(option)), []);
});

test('the repository tracks no symbolic link: a worktree link to node_modules or .cache, once committed, replaces the real folder in every checkout that merges it', () => {
  // `git ls-files -s` prints mode 120000 for a symbolic link.
  const links = execFileSync('git', ['ls-files', '-s'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.startsWith('120000 '))
    .map((line) => line.split('\t')[1]);
  assert.deepEqual(links, []);
});
