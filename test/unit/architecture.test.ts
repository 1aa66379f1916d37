/**
 * Enforces the layering invariants written in ARCHITECTURE.md by reading the import statements of
 * every source file. The core is also type-checked alone with `types: []` (server/src/core/tsconfig.json),
 * so a Node API used there fails to compile as well.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { builtinModules } from 'node:module';
import { knownMnemonics } from '../../server/src/core/syntax/mnemonics';
import { findMnemonicComparisons } from './mnemonic-comparisons';

const root = process.cwd();

function sources(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...sources(path));
    else if (name.endsWith('.ts')) found.push(path);
  }
  return found;
}

/** Every module specifier a file imports or re-exports, static or dynamic. */
function importsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const specifiers: string[] = [];
  const pattern = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;
  for (const match of text.matchAll(pattern)) specifiers.push((match[1] ?? match[2] ?? match[3] ?? match[4])!);
  return specifiers;
}

const nodeBuiltins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const layer = (path: string): string => relative(root, path).split(sep).slice(0, 4).join('/');
const serverFiles = sources(join(root, 'server', 'src'));
const clientFiles = sources(join(root, 'client', 'src'));

test('the core imports only the core: no Node built-ins, no vscode, no LSP, no packages', () => {
  const offenders: string[] = [];
  for (const file of serverFiles.filter((f) => layer(f) === 'server/src/core' || relative(root, f).startsWith(`server${sep}src${sep}core${sep}`))) {
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) offenders.push(`${relative(root, file)} imports ${spec}`);
    }
    const text = readFileSync(file, 'utf8');
    if (/\bprocess\.\w|\brequire\(|\bBuffer\.\w/.test(text)) offenders.push(`${relative(root, file)} uses process, require or Buffer`);
  }
  assert.deepEqual(offenders, []);
});

test('only lsp/ imports vscode-languageserver; only client/ imports vscode', () => {
  const offenders: string[] = [];
  for (const file of serverFiles) {
    const inLsp = relative(root, file).startsWith(`server${sep}src${sep}lsp${sep}`);
    for (const spec of importsOf(file)) {
      if (spec.startsWith('vscode-languageserver') && !inLsp) offenders.push(`${relative(root, file)} imports ${spec}`);
      if (spec === 'vscode' || spec.startsWith('vscode-languageclient')) offenders.push(`${relative(root, file)} imports ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('only cli/ and the server entry point touch argv, exit codes and the standard streams', () => {
  const offenders: string[] = [];
  for (const file of serverFiles) {
    if (relative(root, file).startsWith(`server${sep}src${sep}cli${sep}`)) continue;
    if (relative(root, file) === join('server', 'src', 'lsp', 'main.ts')) continue;
    const text = readFileSync(file, 'utf8');
    if (/process\.(argv|exit|exitCode|stdout|stderr|stdin)\b/.test(text)) offenders.push(relative(root, file));
  }
  assert.deepEqual(offenders, []);
});

test('the client imports from the server tree only protocol.ts', () => {
  const offenders: string[] = [];
  for (const file of clientFiles) {
    for (const spec of importsOf(file)) {
      if (spec.includes('server/') && !spec.endsWith('server/src/protocol')) offenders.push(`${relative(root, file)} imports ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('host/, cli/ and lsp/ may use Node; nothing else in server/src is Node-specific', () => {
  const offenders: string[] = [];
  for (const file of serverFiles) {
    const rel = relative(root, file).split(sep).join('/');
    if (/^server\/src\/(host|cli|lsp)\//.test(rel)) continue;
    for (const spec of importsOf(file)) if (nodeBuiltins.has(spec)) offenders.push(`${rel} imports ${spec}`);
  }
  assert.deepEqual(offenders, []);
});

/**
 * Files that may spell mnemonics: the x86 table itself, and the spelling tables of the text
 * parsers (`syntax/`, the only folder that knows how x86 is written) and of the AT&T listing
 * printer. Every other module asks the table by opcode id.
 */
const spellingFiles = (file: string): boolean => {
  const path = relative(root, file).split(sep).join('/');
  return path === 'server/src/core/x86/opcodes.ts' || path.startsWith('server/src/core/syntax/') || path === 'server/src/core/objects/att.ts';
};

test('no mnemonic string is compared outside the x86 table and the spelling tables', () => {
  const files = [...serverFiles, ...clientFiles].filter((file) => !spellingFiles(file));
  const found = findMnemonicComparisons(files, new Set(knownMnemonics)).map((c) => `${relative(root, c.file)}:${c.line} compares '${c.literal}'`);
  assert.deepEqual(found, []);
});

test('the mnemonic-comparison check reports a file that compares a mnemonic string, and only that file', () => {
  const dir = join(root, 'test', 'fixtures', 'architecture', 'mnemonic-compare');
  const files = sources(dir);
  assert.equal(files.length, 2);
  const found = findMnemonicComparisons(files, new Set(knownMnemonics));
  assert.deepEqual(found.map((c) => [relative(dir, c.file), c.literal]), [['compares-mnemonic.ts', 'push'], ['compares-mnemonic.ts', 'pop']]);
});
