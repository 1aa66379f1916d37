/**
 * What a user reads in the editor, on gcc output compiled at test time (issue 11, items 11-17):
 * the `red-zone-clobbered` message names the file line of the `pushfq`; Markdown never escapes
 * `_` inside inline code; the hover leads with one sentence and the frame table and does not repeat
 * the diagnostic's message; an object's disassembly lists a store under "written at"; the Makefile
 * fix says what it changed and that the outputs must be rebuilt, and a Makefile rule that generates
 * the file counts as provenance; the outline starts at the function's label and identical
 * prologues get the same frame size.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DocumentSymbol, MarkupContent } from 'vscode-languageserver-protocol/node';
import { disassemblyRequest, frameLayoutRequest, type DisassemblyResult, type FrameLayoutResult } from '../../server/src/protocol';
import { disassemblyUri } from '../../server/src/lsp/objects';
import { startTestServer } from './harness';

const haveGcc = spawnSync('gcc', ['--version']).status === 0 && spawnSync('make', ['--version']).status === 0;
const skip = !haveGcc && 'gcc or make is missing';

/** The Zephyr shape: `pushfq` in inline assembly overwrites a red-zone local at -O0. */
const irqC = `int irq_vector_to_line(int vector) {
  volatile int line = 42 + vector;
  __asm__ volatile("pushfq; popq %%rax" ::: "rax");
  return line;
}

int irq_line_to_vector(int line) {
  volatile int vector = line - 42;
  __asm__ volatile("pushfq; popq %%rax" ::: "rax");
  return vector;
}

long irq_store(long x) {
  volatile long slot = 42;
  return slot + x;
}
`;

/** `irq.s` is made by a rule of its own and does not depend on the Makefile. */
const makefile = `CC ?= gcc
CFLAGS = -O0

irq.s: irq.c
\t$(CC) $(CFLAGS) -S -o irq.s irq.c
`;

let dir = '';
let asm = '';
let asmPath = '';

before(() => {
  if (!haveGcc) return;
  dir = mkdtempSync(join(tmpdir(), 'redzone-reads-'));
  writeFileSync(join(dir, 'irq.c'), irqC);
  writeFileSync(join(dir, 'Makefile'), makefile);
  execFileSync('make', ['-s', 'irq.s'], { cwd: dir });
  execFileSync('gcc', ['-O0', '-c', 'irq.c', '-o', 'irq.o'], { cwd: dir });
  asmPath = join(dir, 'irq.s');
  asm = readFileSync(asmPath, 'utf8');
});
after(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

const kernel = { kernelFiles: ['**/*.s', '**/*.o'] };

function lineOf(text: string, pattern: RegExp, from = 0): number {
  const lines = text.split('\n');
  for (let line = from; line < lines.length; line++) if (pattern.test(lines[line]!)) return line;
  throw new Error(`no line matches ${pattern}`);
}

test('11: the red-zone-clobbered message names the file line of the pushfq, as its related information does', { skip }, async () => {
  const { client } = await startTestServer({ settings: kernel, workspaceFolders: [pathToFileURL(dir).href] });
  const uri = pathToFileURL(asmPath).href;
  await client.open(uri, asm);
  const { diagnostics } = await client.diagnostics(uri);
  const clobbered = diagnostics.filter((d) => d.code === 'red-zone-clobbered');
  assert.equal(clobbered.length, 2, JSON.stringify(diagnostics.map((d) => d.message)));
  for (const diagnostic of clobbered) {
    const pushf = diagnostic.relatedInformation?.find((info) => /overwrites/.test(info.message));
    assert.ok(pushf, JSON.stringify(diagnostic.relatedInformation));
    assert.match(asm.split('\n')[pushf.location.range.start.line]!, /pushfq/);
    assert.match(String(diagnostic.message), new RegExp(`\\(line ${pushf.location.range.start.line + 1}\\)`), String(diagnostic.message));
  }
  client.dispose();
});

test('12, 13: the hover leads with one sentence and the frame table, escapes no `_` in code, and does not repeat the diagnostic', { skip }, async () => {
  const { client } = await startTestServer({ settings: kernel, workspaceFolders: [pathToFileURL(dir).href] });
  const uri = pathToFileURL(asmPath).href;
  await client.open(uri, asm);
  const { diagnostics } = await client.diagnostics(uri);
  const store = diagnostics.find((d) => d.code === 'red-zone-store');
  assert.ok(store, JSON.stringify(diagnostics));
  const hover = await client.hover(uri, store.range.start.line, store.range.start.character);
  const markdown = (hover?.contents as MarkupContent).value;
  assert.doesNotMatch(markdown, /\\_/, markdown);
  assert.match(markdown, /`irq_vector_to_line`/);
  assert.ok(!markdown.includes(String(store.message)), `the hover repeats the diagnostic's message:\n${markdown}`);
  const lines = markdown.split('\n');
  const header = lines.findIndex((line) => line.startsWith('| bytes'));
  // One sentence, a blank line, then the table: what VS Code's 250-pixel hover shows first.
  assert.equal(header, 2, markdown);
  assert.match(lines[0]!, /red-zone-store/);
  assert.match(markdown, /\[.*\]\(https:\/\/[^)]*red-zone-store[^)]*\)/, 'the explanation stays behind the documentation link');
  assert.doesNotMatch(markdown, /Kernel code cannot rely on bytes below RSP: an interrupt or exception/, 'the long explanation is in the documentation');
  const frame: FrameLayoutResult | null = await client.connection.sendRequest(frameLayoutRequest.method, { uri, line: store.range.start.line });
  assert.doesNotMatch(frame?.markdown ?? '', /\\_/);
  assert.match(frame?.markdown ?? '', /`irq_vector_to_line`/);
  client.dispose();
});

test('14: the frame table of an object disassembly lists `movq $0x2a,-0x8(%rbp)` as a write', { skip }, async () => {
  const { client } = await startTestServer({ settings: kernel, workspaceFolders: [pathToFileURL(dir).href] });
  const object = join(dir, 'irq.o');
  const listing = await client.connection.sendRequest<DisassemblyResult>(disassemblyRequest.method, { path: object });
  const text = listing.text ?? '';
  const uri = disassemblyUri(object);
  await client.open(uri, text, 'objdump-x86');
  await client.diagnostics(uri);
  const storeLine = lineOf(text, /movq\s+\$0x2a,-0x8\(%rbp\)/);
  const loadLine = lineOf(text, /mov\s+-0x8\(%rbp\),%rdx/, storeLine);
  const hover = await client.hover(uri, loadLine, 40);
  const markdown = (hover?.contents as MarkupContent).value;
  const row = markdown.split('\n').find((line) => line.startsWith('| [-8, +0)'));
  assert.ok(row, markdown);
  const [, , , , writtenAt, readAt] = row.split('|').map((cell) => cell.trim());
  assert.equal(writtenAt, `line ${storeLine + 1}`, row);
  assert.equal(readAt, `line ${loadLine + 1}`, row);
  client.dispose();
});

test('15: a Makefile rule that generates the file is provenance; the fix says what changed, that outputs must be rebuilt, and offers to open the Makefile', { skip }, async () => {
  // Without `.file`, `.ident` and `.LFB` labels the text looks hand-written; the Makefile rule says otherwise.
  const stripped = asm
    .split('\n')
    .filter((line) => !/^\s*\.(file|ident)\b|^\.LF[BE]\d+:/.test(line))
    .join('\n');
  const { client } = await startTestServer({ settings: kernel, workspaceFolders: [pathToFileURL(dir).href] });
  const uri = pathToFileURL(asmPath).href;
  await client.open(uri, stripped);
  const { diagnostics } = await client.diagnostics(uri);
  const store = diagnostics.find((d) => d.code === 'red-zone-store');
  assert.ok(store, JSON.stringify(diagnostics));
  const actions = await client.codeActions(uri, store.range, [store]);
  const fix = actions.find((action) => action.title === 'Add -mno-red-zone to Makefile');
  assert.ok(fix, actions.map((action) => action.title).join('; '));
  assert.equal(fix.isPreferred, true);
  assert.ok(fix.command, 'the fix runs a command after its edit');

  client.messageAnswer = 'Open Makefile';
  await client.executeCommand(fix.command.command, fix.command.arguments ?? []);
  const request = client.messageRequests.at(-1);
  assert.ok(request, 'the server tells the user what changed');
  assert.match(request.message, /Added -mno-red-zone to Makefile, line 2: CFLAGS = -O0 -mno-red-zone\./);
  assert.match(request.message, /irq\.s/);
  assert.match(request.message, /rebuil/i);
  assert.match(request.message, /irq\.s does not depend on Makefile, so make will say it is up to date: rebuild it with "make -B irq\.s"/);
  assert.deepEqual(request.actions?.map((action) => action.title), ['Open Makefile']);
  assert.deepEqual(client.shownDocuments.map((shown) => shown.uri), [pathToFileURL(join(dir, 'Makefile')).href]);
  client.dispose();
});

test('17: the outline range starts at the label, and identical prologues get the same frame size', { skip }, async () => {
  const { client } = await startTestServer({ settings: kernel, workspaceFolders: [pathToFileURL(dir).href] });
  const uri = pathToFileURL(asmPath).href;
  await client.open(uri, asm);
  const symbols = (await client.symbols(uri)) as DocumentSymbol[];
  for (const symbol of symbols) {
    const label = lineOf(asm, new RegExp(`^${symbol.name}:`));
    assert.equal(symbol.range.start.line, label, `${symbol.name}: the range starts at its label`);
    assert.equal(symbol.selectionRange.start.line, label);
  }
  const lenses = await client.codeLenses(uri);
  const title = (name: string): string => {
    const label = lineOf(asm, new RegExp(`^${name}:`));
    return lenses?.find((lens) => lens.range.start.line === label)?.command?.title ?? '';
  };
  // Both functions start with `pushq %rbp; movq %rsp, %rbp`; the inline pushfq is no part of the frame.
  const frame = (name: string): string | undefined => /^frame \d+ B/.exec(title(name))?.[0];
  assert.equal(frame('irq_vector_to_line'), 'frame 8 B', title('irq_vector_to_line'));
  assert.equal(frame('irq_store'), 'frame 8 B', title('irq_store'));
  assert.equal(frame('irq_line_to_vector'), frame('irq_vector_to_line'));
  client.dispose();
});
