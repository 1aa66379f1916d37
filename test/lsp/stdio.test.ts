/**
 * The bundled server as editors start it: `node dist/server.js --stdio`, a real child process,
 * initialize and a round trip of diagnostics for the kernel fixture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import {
  createProtocolConnection,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';

const serverPath = 'dist/server.js';

test('dist/server.js --stdio answers initialize and publishes diagnostics', async () => {
  assert.ok(existsSync(serverPath), 'the test runner builds dist/server.js first');
  const child = spawn(process.execPath, [serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const uri = 'file:///tmp/redzone-stdio-test/kernel.s';
  const published = new Promise<PublishDiagnosticsParams>((resolve) => {
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      if (params.uri === uri) resolve(params);
    });
  });
  connection.listen();
  try {
    const result = await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null });
    assert.equal(result.serverInfo?.name, 'redzone-language-server');
    assert.equal(result.capabilities.hoverProvider, true);
    await connection.sendNotification(InitializedNotification.type, {});
    const text = readFileSync('test/fixtures/lsp/kernel.s', 'utf8');
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'gas-x86', version: 1, text } });
    const diagnostics = await published;
    assert.equal(diagnostics.version, 1);
    assert.ok(Array.isArray(diagnostics.diagnostics));
    assert.ok(diagnostics.diagnostics.some((d) => d.code === 'red-zone-store' && d.source === 'redzone'), JSON.stringify(diagnostics.diagnostics));
    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, stderr);
  } finally {
    connection.dispose();
    child.kill();
  }
});

test('dist/server.js without a transport prints usage and exits 2', async () => {
  const child = spawn(process.execPath, [serverPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 2);
  assert.match(stderr, /usage: redzone-language-server --stdio/);
});
