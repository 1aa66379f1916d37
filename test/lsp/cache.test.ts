/**
 * The server keeps one core cache per open document: hovers come from it and must equal what a
 * fresh analysis of the whole text says, edits reuse it, closing drops it, and a file with more
 * findings than the cap gets the cap plus one diagnostic that counts the rest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { frameLayoutAt } from '../../server/src/core/index';
import { Analyzer, coreEngine } from '../../server/src/lsp/analysis';
import { truncatedCode } from '../../server/src/lsp/diagnostics';
import { defaultSettings } from '../../server/src/lsp/settings';
import { FakeEngine } from './fakeEngine';
import { startTestServer } from './harness';

const fixtures = ['test/fixtures/lsp', 'test/fixtures/asm']
  .flatMap((dir) => readdirSync(dir).map((name) => join(dir, name)))
  .filter((path) => /\.(s|S|asm|dis)$/.test(path));

test('a hover from the document cache equals the frame from a fresh analysis, before and after an edit', () => {
  const analyzer = new Analyzer(coreEngine, 1 << 24);
  let compared = 0;
  for (const path of fixtures) {
    const text = readFileSync(path, 'utf8');
    const uri = `file:///cache-test/${path}`;
    let document = TextDocument.create(uri, 'gas-x86', 1, text);
    for (const version of [1, 2]) {
      if (version === 2) {
        // An edit that keeps every line where it was: a comment appended to the last line.
        document = TextDocument.update(document, [{ text: `${text.replace(/\n?$/, '')} # edited\n` }], 2);
      }
      const analysis = analyzer.analyze(document, defaultSettings, []);
      for (let line = 0; line < document.lineCount; line++) {
        const fresh = frameLayoutAt(document.getText(), line, analysis.options);
        const cached = analyzer.frameAt(document, analysis, line);
        assert.deepEqual(cached, fresh, `${path}:${line + 1} (version ${version})`);
        if (fresh !== undefined) compared++;
      }
    }
    analyzer.forget(uri);
  }
  assert.equal(analyzer.documentCount, 0);
  assert.ok(compared > 40, `compared ${compared} lines`);
});

test('one cache per open document, dropped when the document closes', async () => {
  const engine = new FakeEngine();
  const { client } = await startTestServer({ engine });
  const text = readFileSync('test/fixtures/lsp/kernel.s', 'utf8');
  await client.open('file:///tmp/a.s', text);
  await client.open('file:///tmp/b.s', text);
  await client.diagnostics('file:///tmp/a.s');
  await client.diagnostics('file:///tmp/b.s');
  await client.change('file:///tmp/a.s', 2, `${text}\n`);
  await client.diagnostics('file:///tmp/a.s', (params) => params.version === 2);
  assert.equal(engine.caches, 2);
  await client.close('file:///tmp/a.s');
  await client.diagnostics('file:///tmp/a.s', (params) => params.version === undefined);
  const statuses = (): number => client.statuses.filter((status) => status.uri === 'file:///tmp/a.s').length;
  const before = statuses();
  await client.open('file:///tmp/a.s', text);
  await client.until(() => statuses() > before);
  assert.equal(engine.caches, 3, 'reopening starts from a fresh cache');
  client.dispose();
});

test('past the cap, one information diagnostic says how many findings were left out', async () => {
  const { client } = await startTestServer({ engine: new FakeEngine(), maxDiagnostics: 3 });
  const body = Array.from({ length: 10 }, (_, k) => `\tmovl\t%edi, -${4 * (k + 1)}(%rbp)`).join('\n');
  const text = `# redzone: kernel\nf:\n\tpushq\t%rbp\n\tmovq\t%rsp, %rbp\n${body}\n\tpopq\t%rbp\n\tret\n`;
  await client.open('file:///tmp/many.s', text);
  const published = await client.diagnostics('file:///tmp/many.s');
  assert.equal(published.diagnostics.length, 4);
  const last = published.diagnostics[3];
  assert.equal(last.code, truncatedCode);
  assert.equal(last.severity, 3);
  assert.match(String(last.message), /first 3 findings .* left out 7 more/);
  await client.until(() => client.statuses.length > 0);
  assert.equal(client.statuses[0].findings, 10);
  client.dispose();
});

test('the analysis of the current version is known as such, trusted or not (a hover then reads it, not an earlier one)', () => {
  const analyzer = new Analyzer(coreEngine, 1 << 24);
  const document = TextDocument.create('file:///cache-test/now.s', 'gas-x86', 1, readFileSync('test/fixtures/lsp/kernel.s', 'utf8'));
  for (const trusted of [false, true]) {
    const analysis = analyzer.analyze(document, defaultSettings, [], trusted);
    assert.equal(analyzer.analyzedNow(document, defaultSettings, trusted), analysis, `trusted: ${trusted}`);
    assert.equal(analyzer.analyzedNow(document, defaultSettings, !trusted), undefined, `trusted: ${trusted}, asked for ${!trusted}`);
  }
  const next = TextDocument.update(document, [{ text: '# edited\n' }], 2);
  assert.equal(analyzer.analyzedNow(next, defaultSettings, true), undefined, 'a newer version is not analyzed yet');
});
