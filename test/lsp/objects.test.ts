/**
 * Objects in the editor, in process: "Scan build output" publishes findings on the C source lines
 * DWARF names, with progress and cancellation; "Open disassembly" serves the listing, and the
 * disassembly document gets the object's diagnostics and the frame hover. The objects are
 * compiled with the machine's gcc at test time.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource, WorkDoneProgress, type MarkupContent, type WorkDoneProgressBegin, type WorkDoneProgressReport } from 'vscode-languageserver-protocol/node';
import { disassemblyRequest, scanObjectsRequest, type DisassemblyResult, type ScanObjectsResult } from '../../server/src/protocol';
import { disassemblyTarget, disassemblyUri } from '../../server/src/lsp/objects';
import { findObjectFiles } from '../../server/src/lsp/objectFiles';
import { startTestServer } from './harness';

const haveGcc = spawnSync('gcc', ['--version']).status === 0 && spawnSync('ar', ['--version']).status === 0;
const leafC = `int leaf(int x) {
  volatile int a[4] = {x, x + 1, x + 2, x + 3};
  return a[0] + a[3];
}
`;
let dir = '';
let project = '';

before(() => {
  if (!haveGcc) return;
  dir = mkdtempSync(join(tmpdir(), 'redzone-objects-lsp-'));
  project = join(dir, 'project');
  mkdirSync(join(project, 'build'), { recursive: true });
  mkdirSync(join(project, 'node_modules', 'dep'), { recursive: true });
  writeFileSync(join(project, 'leaf.c'), leafC);
  execFileSync('gcc', ['-O0', '-g', '-c', 'leaf.c', '-o', 'build/leaf.o'], { cwd: project });
  execFileSync('ar', ['rcs', 'build/libleaf.a', 'build/leaf.o'], { cwd: project });
  // Dependencies' objects are not the user's build: the walk skips node_modules.
  copyFileSync(join(project, 'build', 'leaf.o'), join(project, 'node_modules', 'dep', 'dep.o'));
});
after(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

const kernelObjects = { kernelFiles: ['**/*.o', '**/*.a'] };

test('the object walk follows the globs and skips node_modules', { skip: !haveGcc && 'gcc or ar is missing' }, () => {
  const found = findObjectFiles(project, ['**/*.o', '**/*.a']).files.map((file) => file.slice(project.length + 1));
  assert.deepEqual(found, ['build/leaf.o', 'build/libleaf.a']);
  assert.deepEqual(findObjectFiles(project, ['*.a']).files.map((file) => file.slice(project.length + 1)), ['build/libleaf.a']);
  assert.deepEqual(findObjectFiles(project, ['**/*.o'], 0).truncated, true);
});

test('scanning publishes the findings on the C source line, with progress', { skip: !haveGcc && 'gcc or ar is missing' }, async () => {
  const { client } = await startTestServer({ settings: { ...kernelObjects, objectGlobs: ['build/*.o'] }, workspaceFolders: [pathToFileURL(project).href] });
  const token = 'scan-1';
  const progress: string[] = [];
  client.connection.onProgress(WorkDoneProgress.type, token, (value) => {
    progress.push(value.kind === 'begin' ? `begin ${(value as WorkDoneProgressBegin).title}` : value.kind === 'report' ? `report ${(value as WorkDoneProgressReport).message}` : 'end');
  });
  const result = await client.connection.sendRequest<ScanObjectsResult>(scanObjectsRequest.method, { workDoneToken: token });
  assert.equal(result.objects, 1);
  assert.equal(result.cancelled, false);
  assert.ok(result.findings > 0, JSON.stringify(result));
  assert.deepEqual(result.withFindings.map((entry) => entry.path), ['build/leaf.o']);
  assert.deepEqual(progress, ['begin Scanning build output for red-zone use', 'report build/leaf.o', 'end']);
  const cUri = pathToFileURL(join(project, 'leaf.c')).href;
  const published = await client.diagnostics(cUri);
  // -O0 spills the argument (line 1) and initializes the volatile array (line 2) below RSP.
  const store = published.diagnostics.find((diagnostic) => diagnostic.code === 'red-zone-store' && diagnostic.range.start.line === 1);
  assert.ok(store, JSON.stringify(published.diagnostics));
  assert.deepEqual(store.range, { start: { line: 1, character: 2 }, end: { line: 1, character: 47 } });
  assert.equal(store.source, 'redzone');
  assert.match(String(store.message), /in build\/leaf\.o, function leaf: 'mov/);
  const related = store.relatedInformation?.[0];
  assert.equal(disassemblyTarget(related!.location.uri)?.path, join(project, 'build', 'leaf.o'));
  client.dispose();
});

test('the scan explains objects whose findings cannot go on a source line, and maps an object built from the parent directory', { skip: !haveGcc && 'gcc or ar is missing' }, async () => {
  // nolines.o: built without -g, so no line table. parent.o: gcc run in the parent of the
  // workspace writes the line table's directory 1 as the relative `project`, joined with DW_AT_comp_dir.
  execFileSync('gcc', ['-O0', '-c', 'leaf.c', '-o', 'build/nolines.o'], { cwd: project });
  execFileSync('gcc', ['-O0', '-g', '-c', 'project/leaf.c', '-o', 'project/build/parent.o'], { cwd: dir });
  try {
    const { client } = await startTestServer({ settings: { ...kernelObjects, objectGlobs: ['build/nolines.o', 'build/parent.o'] }, workspaceFolders: [pathToFileURL(project).href] });
    const result = await client.connection.sendRequest<ScanObjectsResult>(scanObjectsRequest.method, {});
    assert.deepEqual(result.withFindings.map((entry) => entry.path).sort(), ['build/nolines.o', 'build/parent.o']);
    assert.deepEqual(result.unmapped.map((entry) => entry.path), ['build/nolines.o']);
    assert.equal(result.unmapped[0]!.absolute, join(project, 'build', 'nolines.o'));
    assert.match(result.unmapped[0]!.reason, /no DWARF line table .*without `-g`.*rebuild it with `-g`, or open its disassembly/);
    const parent = result.withFindings.find((entry) => entry.path === 'build/parent.o')!;
    assert.equal(result.sourceFindings, parent.findings, 'every finding of parent.o is shown on leaf.c');
    const published = await client.diagnostics(pathToFileURL(join(project, 'leaf.c')).href, (params) => params.diagnostics.length > 0);
    assert.ok(published.diagnostics.some((diagnostic) => diagnostic.range.start.line === 1));
    client.dispose();
  } finally {
    rmSync(join(project, 'build', 'nolines.o'));
    rmSync(join(project, 'build', 'parent.o'));
  }
});

test('a rescan that finds nothing clears the source diagnostics', { skip: !haveGcc && 'gcc or ar is missing' }, async () => {
  const { client } = await startTestServer({ settings: { ...kernelObjects, objectGlobs: ['build/*.o'] }, workspaceFolders: [pathToFileURL(project).href] });
  const cUri = pathToFileURL(join(project, 'leaf.c')).href;
  await client.connection.sendRequest(scanObjectsRequest.method, {});
  await client.diagnostics(cUri, (params) => params.diagnostics.length > 0);
  await client.changeSettings({ objectGlobs: ['build/*.o'] });
  const result = await client.connection.sendRequest<ScanObjectsResult>(scanObjectsRequest.method, {});
  assert.equal(result.findings, 0, 'user code: red-zone stores within 128 bytes are fine');
  await client.diagnostics(cUri, (params) => params.diagnostics.length === 0);
  client.dispose();
});

test('a cancelled scan stops and says so', { skip: !haveGcc && 'gcc or ar is missing' }, async () => {
  const { client } = await startTestServer({ settings: kernelObjects, workspaceFolders: [pathToFileURL(project).href] });
  const source = new CancellationTokenSource();
  const pending = client.connection.sendRequest<ScanObjectsResult>(scanObjectsRequest.method, {}, source.token);
  source.cancel();
  const cancelled = await pending;
  assert.equal(cancelled.cancelled, true, JSON.stringify(cancelled));
  assert.equal(cancelled.objects, 0);
  const again = await client.connection.sendRequest<ScanObjectsResult>(scanObjectsRequest.method, {});
  assert.equal(again.objects, 2, 'the next scan runs in full: leaf.o and libleaf.a');
  client.dispose();
});

test('the disassembly document gets the listing, the object findings and the frame hover', { skip: !haveGcc && 'gcc or ar is missing' }, async () => {
  const { client } = await startTestServer({ settings: kernelObjects, workspaceFolders: [pathToFileURL(project).href] });
  const object = join(project, 'build', 'leaf.o');
  const listing = await client.connection.sendRequest<DisassemblyResult>(disassemblyRequest.method, { path: object });
  assert.match(listing.text ?? '', /<leaf>:/);
  const uri = disassemblyUri(object);
  assert.deepEqual(disassemblyTarget(uri), { path: object, member: undefined });
  await client.open(uri, listing.text!, 'objdump-x86');
  const published = await client.diagnostics(uri);
  const store = published.diagnostics.find((diagnostic) => diagnostic.code === 'red-zone-store');
  assert.ok(store, JSON.stringify(published.diagnostics));
  const line = listing.text!.split('\n')[store.range.start.line];
  assert.match(line, /mov/);
  const hover = await client.hover(uri, store.range.start.line, store.range.start.character);
  const markdown = (hover?.contents as MarkupContent).value;
  assert.match(markdown, /in the frame of `leaf`/);
  assert.match(markdown, /red-zone-store|below the stack pointer/);
  assert.deepEqual(await client.codeActions(uri, store.range, [store]), [], 'no edits offered on a read-only listing');

  const archive = await client.connection.sendRequest<DisassemblyResult>(disassemblyRequest.method, { path: join(project, 'build', 'libleaf.a') });
  assert.deepEqual(archive.members, ['leaf.o']);
  const member = await client.connection.sendRequest<DisassemblyResult>(disassemblyRequest.method, { path: join(project, 'build', 'libleaf.a'), member: 'leaf.o' });
  assert.match(member.text ?? '', /<leaf>:/);
  const missing = await client.connection.sendRequest<DisassemblyResult>(disassemblyRequest.method, { path: join(project, 'nope.o') });
  assert.match(missing.error ?? '', /cannot read/);
  // An empty archive (glibc's libdl.a is one) is read fine and has nothing to show.
  writeFileSync(join(project, 'build', 'empty.a'), '!<arch>\n');
  const empty = await client.connection.sendRequest<DisassemblyResult>(disassemblyRequest.method, { path: join(project, 'build', 'empty.a') });
  assert.match(empty.error ?? '', /archive with no members: there is nothing to disassemble/);
  client.dispose();
});
