/**
 * Compile on save, end to end through the protocol, on a small kernel-style project built for
 * real: a Makefile whose compile_commands.json Bear records, building `irq.c` as kernel code
 * (`-mcmodel=kernel -D__KERNEL__ -ffreestanding`) without `-mno-red-zone`, by gcc and by clang.
 *
 * Saving irq.c must give diagnostics on the right C lines (a local kept below RSP at -O0, and the
 * inline `pushfq` of the Zephyr bug on its `asm` statement), leave the build's object alone, and
 * after the Makefile quick fix and a save give none; the rebuilt database then carries the flag.
 * With the flag from the start there is nothing; in an untrusted workspace no compiler runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic, TextEdit } from 'vscode-languageserver-protocol';
import { requireTool } from '../support/tools';
import { startTestServer, type TestClient } from './harness';

const fixture = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'kernel-project');
const uriOf = (path: string) => pathToFileURL(path).href;

/** A copy of the project, built by `cc` under Bear; `flags` is appended to the Makefile's CFLAGS. */
function buildProject(cc: string, flags = ''): string {
  requireTool('bear');
  const dir = mkdtempSync(join(tmpdir(), `redzone-project-${cc}-`));
  cpSync(fixture, dir, { recursive: true });
  if (flags !== '') writeFileSync(join(dir, 'Makefile'), readFileSync(join(dir, 'Makefile'), 'utf8').replace(/^(CFLAGS = .*)$/m, `$1 ${flags}`));
  execFileSync('bear', ['--', 'make', `CC=${cc}`], { cwd: dir, stdio: 'ignore' });
  return dir;
}

/** The 0-based line of the first line of irq.c that contains `text`. */
function lineOf(source: string, text: string): number {
  const line = source.split('\n').findIndex((candidate) => candidate.includes(text));
  assert.ok(line >= 0, text);
  return line;
}

/** Applies the edits of a workspace edit to the files on disk, as an editor saving them would. */
function applyToDisk(changes: Record<string, TextEdit[]>): void {
  for (const [uri, edits] of Object.entries(changes)) {
    const path = new URL(uri).pathname;
    const document = TextDocument.create(uri, 'plaintext', 0, readFileSync(path, 'utf8'));
    writeFileSync(path, TextDocument.applyEdits(document, edits));
  }
}

async function openSource(client: TestClient, path: string): Promise<Diagnostic[]> {
  await client.open(uriOf(path), readFileSync(path, 'utf8'), 'c');
  return (await client.publication(uriOf(path), 0)).diagnostics;
}

for (const cc of ['gcc', 'clang']) {
  test(`saving irq.c built by ${cc} without -mno-red-zone: findings on the C lines, then the Makefile fix clears them`, async () => {
    const dir = buildProject(cc);
    const irq = join(dir, 'irq.c');
    const source = readFileSync(irq, 'utf8');
    const object = statSync(join(dir, 'irq.o'));
    const { client } = await startTestServer({ workspaceFolders: [uriOf(dir)], initializationOptions: { workspaceTrusted: true } });
    try {
      const diagnostics = await openSource(client, irq);
      const at = (code: string, line: number) => diagnostics.filter((diagnostic) => diagnostic.code === code && diagnostic.range.start.line === line);
      // The -O0 local `value` lives below RSP: stored on its declaration's line.
      const store = at('red-zone-store', lineOf(source, 'int value = 42;'));
      assert.equal(store.length, 1, JSON.stringify(diagnostics, null, 1));
      // The Zephyr shape: the inline pushfq overwrites `value`; the finding lands on the asm statement.
      const clobber = at('red-zone-clobbered', lineOf(source, '__asm__ volatile("pushfq'));
      assert.equal(clobber.length, 1, JSON.stringify(diagnostics.map((d) => [d.code, d.range.start.line])));
      // irq_masked_count keeps its parameters below RSP too.
      assert.ok(at('red-zone-store', lineOf(source, 'int irq_masked_count') + 1).length > 0);
      const first = lineOf(source, 'int irq_masked_count');
      for (const diagnostic of diagnostics) assert.ok(diagnostic.range.start.line >= first, `${diagnostic.code} on line ${diagnostic.range.start.line}`);
      // What the message says: the variable (gcc's -fverbose-asm names it, clang's -O0 DWARF), the function, the missing flag and the build's kernel flags, the fix.
      const text = (diagnostic: Diagnostic): string => (typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value);
      const message = text(store[0]!);
      assert.match(message, cc === 'gcc' ? /'value' \(4 bytes at RSP-4\)/ : /'value' \(4 bytes at RSP-\d+\)/);
      assert.match(message, /irq_save_flags/);
      assert.match(message, /compiled without '-mno-red-zone'/);
      assert.match(message, /'-D__KERNEL__' and '-mcmodel=kernel'/);
      assert.match(message, /add '-mno-red-zone' to Makefile/);
      assert.match(text(clobber[0]!), /'pushfq[^']*' here overwrites/);
      // The build's object is never written.
      assert.equal(statSync(join(dir, 'irq.o')).mtimeMs, object.mtimeMs);

      const actions = await client.codeActions(uriOf(irq), clobber[0]!.range, clobber);
      const fix = actions.find((action) => action.title === 'Add -mno-red-zone to Makefile');
      assert.ok(fix?.edit?.changes, actions.map((action) => action.title).join(', '));
      assert.ok(fix.isPreferred);
      assert.deepEqual(Object.keys(fix.edit.changes).sort(), [uriOf(join(dir, 'Makefile')), uriOf(join(dir, 'compile_commands.json'))].sort());
      applyToDisk(fix.edit.changes);
      const before = client.publicationCount(uriOf(irq));
      await client.save(uriOf(irq));
      assert.deepEqual((await client.publication(uriOf(irq), before)).diagnostics, []);

      // The Makefile fix works by effect: the rebuilt database carries the flag, and a save still shows nothing.
      execFileSync('bear', ['--', 'make', '-B', `CC=${cc}`], { cwd: dir, stdio: 'ignore' });
      assert.match(readFileSync(join(dir, 'compile_commands.json'), 'utf8'), /"-mno-red-zone"/);
      const again = client.publicationCount(uriOf(irq));
      await client.save(uriOf(irq));
      assert.deepEqual((await client.publication(uriOf(irq), again)).diagnostics, []);
    } finally {
      client.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`irq.c built by ${cc} with -mno-red-zone from the start: no findings, kernel code`, async () => {
    const dir = buildProject(cc, '-mno-red-zone');
    const irq = join(dir, 'irq.c');
    const { client } = await startTestServer({ workspaceFolders: [uriOf(dir)], initializationOptions: { workspaceTrusted: true } });
    try {
      assert.deepEqual(await openSource(client, irq), []);
      await client.until(() => client.statuses.some((status) => status.uri === uriOf(irq)));
      const status = client.statuses.find((candidate) => candidate.uri === uriOf(irq))!;
      assert.equal(status.state, 'kernel');
      assert.ok(status.functions >= 2);
    } finally {
      client.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('in an untrusted workspace no compiler runs, and the server says so once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redzone-untrusted-'));
  cpSync(fixture, dir, { recursive: true });
  // The "compiler" records that it ran: any run at all would leave the marker.
  const marker = join(dir, 'compiler-ran');
  const compiler = join(dir, 'fake-cc');
  writeFileSync(compiler, `#!/bin/sh\ntouch '${marker}'\nexec gcc "$@"\n`);
  chmodSync(compiler, 0o755);
  writeFileSync(join(dir, 'compile_commands.json'), JSON.stringify([{ directory: dir, file: 'irq.c', arguments: [compiler, '-O0', '-D__KERNEL__', '-c', '-o', 'irq.o', 'irq.c'] }]));
  const irq = join(dir, 'irq.c');
  const { client } = await startTestServer({ workspaceFolders: [uriOf(dir)] });
  try {
    await client.open(uriOf(irq), readFileSync(irq, 'utf8'), 'c');
    await client.save(uriOf(irq));
    await client.until(() => client.messages.some((message) => message.includes('untrusted workspace')));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(existsSync(marker), false);
    assert.equal(client.publicationCount(uriOf(irq)), 0);
    assert.equal(client.messages.filter((message) => message.includes('untrusted workspace')).length, 1);
    // Hovers and symbols never read C as assembly.
    assert.equal(await client.hover(uriOf(irq), lineOf(readFileSync(irq, 'utf8'), 'int value')), null);
  } finally {
    client.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with redzone.compileOnChange the unsaved text is compiled: an edit moves the findings before any save', async () => {
  const dir = buildProject('gcc');
  const irq = join(dir, 'irq.c');
  const uri = uriOf(irq);
  const source = readFileSync(irq, 'utf8');
  const { client } = await startTestServer({ settings: { compileOnChange: true }, workspaceFolders: [uriOf(dir)], initializationOptions: { workspaceTrusted: true } });
  try {
    const first = await openSource(client, irq);
    const valueLine = lineOf(source, 'int value = 42;');
    assert.ok(first.some((diagnostic) => diagnostic.code === 'red-zone-store' && diagnostic.range.start.line === valueLine));
    // Two blank lines above the function, not saved: the findings follow the buffer, through the line marker.
    const edited = source.replace('unsigned long irq_save_flags(void)', '\n\nunsigned long irq_save_flags(void)');
    const before = client.publicationCount(uri);
    await client.change(uri, 2, edited);
    const after = (await client.publication(uri, before)).diagnostics;
    assert.ok(after.some((diagnostic) => diagnostic.code === 'red-zone-store' && diagnostic.range.start.line === valueLine + 2), JSON.stringify(after.map((d) => [d.code, d.range.start.line])));
    assert.equal(readFileSync(irq, 'utf8'), source, 'the file on disk is untouched');
  } finally {
    client.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
