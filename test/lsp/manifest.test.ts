/**
 * The extension manifest and the layering of the client: activation covers every language the
 * client serves, grammars and language configurations exist, every command is registered,
 * the package holds exactly the allow-listed files, and the client talks to the server tree only
 * through protocol.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { settingsSchema } from '../../server/src/lsp/settings';

interface Manifest {
  activationEvents: string[];
  main: string;
  contributes: {
    languages: { id: string; extensions: string[]; configuration: string }[];
    grammars: { language: string; scopeName: string; path: string }[];
    commands: { command: string; title: string }[];
    menus: { commandPalette: { command: string }[] };
  };
  capabilities: { untrustedWorkspaces: { supported: boolean | 'limited'; restrictedConfigurations?: string[] } };
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as Manifest;
const clientSource = readFileSync('client/src/client.ts', 'utf8');

/** The string array literal assigned to `name` in client.ts. */
function arrayIn(source: string, name: string): string[] {
  const literal = new RegExp(`const ${name} = \\[([^\\]]*)\\]`).exec(source)?.[1] ?? '';
  return [...literal.matchAll(/'([^']+)'/g)].map((match) => match[1]);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)]));
}

test('the client serves our languages, and every served language activates the extension', () => {
  const own = arrayIn(clientSource, 'ownLanguages');
  const foreign = arrayIn(clientSource, 'foreignLanguages');
  assert.deepEqual(own.sort(), manifest.contributes.languages.map((language) => language.id).sort());
  for (const language of [...own, ...foreign]) assert.ok(manifest.activationEvents.includes(`onLanguage:${language}`), `onLanguage:${language}`);
  assert.ok(foreign.includes('asm') && foreign.includes('nasm') && foreign.includes('gas'));
});

test('grammars and language configurations exist and are valid', () => {
  for (const grammar of manifest.contributes.grammars) {
    const parsed = JSON.parse(readFileSync(grammar.path, 'utf8')) as { scopeName: string; patterns: unknown[] };
    assert.equal(parsed.scopeName, grammar.scopeName);
    assert.ok(parsed.patterns.length > 0);
    assert.ok(manifest.contributes.languages.some((language) => language.id === grammar.language));
  }
  for (const language of manifest.contributes.languages) {
    const configuration = JSON.parse(readFileSync(language.configuration, 'utf8')) as { comments: { lineComment: string } };
    assert.ok(configuration.comments.lineComment.length > 0);
    assert.ok(language.extensions.length > 0);
  }
});

test('every contributed command is registered by the client, and every palette entry is a command', () => {
  const commands = readdirSync('client/src').map((name) => readFileSync(join('client/src', name), 'utf8')).join('\n');
  const registered = [...commands.matchAll(/registerCommand\('([^']+)'/g)].map((match) => match[1]).sort();
  assert.deepEqual(registered, manifest.contributes.commands.map((command) => command.command).sort());
  for (const entry of manifest.contributes.menus.commandPalette) assert.ok(registered.includes(entry.command), entry.command);
});

test('untrusted workspaces are supported without the compile_commands.json path', () => {
  assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.deepEqual(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations, ['redzone.compileCommands']);
});

test('the client imports vscode, the language client and from the server tree only protocol.ts', () => {
  for (const file of filesUnder('client/src')) {
    for (const match of readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)) {
      const specifier = match[1];
      const allowed = specifier === 'vscode' || specifier.startsWith('vscode-languageclient') || specifier.startsWith('./') || specifier === '../../server/src/protocol';
      assert.ok(allowed, `${file} imports ${specifier}`);
    }
  }
});

test('only server/src/lsp imports vscode-languageserver, and protocol.ts imports nothing', () => {
  for (const file of filesUnder('server/src').filter((path) => path.endsWith('.ts'))) {
    const text = readFileSync(file, 'utf8');
    if (/from 'vscode-languageserver/.test(text)) assert.ok(file.startsWith(join('server', 'src', 'lsp')), `${file} imports vscode-languageserver`);
    assert.doesNotMatch(text, /from 'vscode'/, file);
  }
  assert.doesNotMatch(readFileSync('server/src/protocol.ts', 'utf8'), /^import /m);
});

test('the package holds exactly the allow-listed files', { skip: !existsSync('node_modules/@vscode/vsce') && 'vsce is not installed' }, () => {
  const listed = execFileSync(process.execPath, ['node_modules/@vscode/vsce/vsce', 'ls'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const grammars = readdirSync('syntaxes').map((name) => `syntaxes/${name}`);
  const optional = ['README.md', 'CHANGELOG.md', 'THIRD-PARTY-NOTICES.md', 'dist/cli.js', 'dist/capstone.wasm', 'dist/iced_x86_bg.wasm', 'dist/objects-worker.js'].filter((path) => existsSync(path));
  const expected = ['package.json', 'language-configuration.json', 'LICENSE', 'dist/client.js', 'dist/server.js', ...grammars, ...optional];
  assert.deepEqual([...new Set(listed)].sort(), [...new Set(expected)].sort());
  assert.equal(manifest.main, './dist/client.js');
});

test("the README's Settings table lists every setting", () => {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf('\n## Settings\n');
  assert.ok(start >= 0, 'README has a Settings section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  for (const spec of settingsSchema) assert.ok(section.includes(`| \`${spec.key}\` |`), `README's Settings table lacks ${spec.key}`);
});
