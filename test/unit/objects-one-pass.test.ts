/**
 * The object path analyzes each function as it is decoded (`analyzeItemsOnePass`); the result must
 * equal the analysis of all of a unit's items as one program (`wholeReport` below), also when a later
 * function changes the context of earlier ones: kernel evidence (`hlt`) only in the last function,
 * and a static function that never returns defined after its caller. Checked on C compiled here
 * by gcc and clang, on members of libc.a and on real kernel modules when they are present.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkChunk, itemsEntry } from '../../server/src/core/analysis/analyze';
import { defaultAbi } from '../../server/src/core/analysis/check';
import { decideKernel } from '../../server/src/core/analysis/kernel';
import { analyzeItemsOnePass, type ItemSource } from '../../server/src/core/analysis/one-pass';
import { noReturnFunctions } from '../../server/src/core/analysis/semantics';
import { isElf, readArchive, readElf } from '../../server/src/core/elf/index';
import type { AnalysisOptions, Report } from '../../server/src/core/index';
import type { AsmItem } from '../../server/src/core/ir';
import { decodeUnit, itemPieces, unitItemPieces, unitItems } from '../../server/src/core/objects/listing';
import { createCapstoneDisassembler, type CapstoneDisassembler } from '../../server/src/host/capstone';
import { LIBC_A } from '../fixtures/objects/real-objects.mjs';

// `later` comes after its callers (gcc keeps the source order with -fno-toplevel-reorder, clang by default) and never
// returns; `privileged` is last and holds the only kernel evidence, a `hlt`.
const SOURCE = `
static void later(int);
int first(int x) { volatile int a[8]; a[x & 7] = x; if (x > 3) later(x); return a[1]; }
int second(int x) { volatile char b[40]; b[x % 40] = 1; later(x); return b[2]; }
int third(int x) { volatile long c[3]; c[x % 3] = x; return (int)c[0]; }
__attribute__((noinline)) static void later(int x) { volatile int d[2]; d[x & 1] = x; for (;;) d[0]++; }
void privileged(void) { __asm__ volatile("hlt"); }
`;

const CONTEXTS: readonly AnalysisOptions[] = [{}, { forcedKernel: { kernel: true, reason: 'forced by the test' } }, { detectKernel: false }];

let dir = '';
let capstone: CapstoneDisassembler;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'redzone-one-pass-objects-'));
  capstone = await createCapstoneDisassembler();
});
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The reference: all items as one program, checked once in the context the whole program settles
 * (first function's mode for the ABI, first kernel evidence, every local no-return function).
 */
function wholeReport(items: AsmItem[], source: ItemSource, options: AnalysisOptions): Report {
  // One entry for all the items: one program of every function.
  const entry = itemsEntry(items, source.syntax, source.mode);
  const kernel = decideKernel('', options, entry.program.kernelEvidence);
  const abi = options.abi ?? defaultAbi(entry.program.functions.find((fn) => fn.insns.length > 0)?.mode ?? source.mode);
  const check = checkChunk(entry, { abi, kernel, noReturn: new Set([...noReturnFunctions, ...entry.noReturn]), key: '' });
  return { input: source.syntax, inputReason: source.syntaxReason, kernel, abi, functions: [...check.functions], findings: [...check.findings], problems: [] };
}

/** Both analyses of one ELF unit, for each context; returns how many pieces were rechecked in all. */
function assertSame(bytes: Uint8Array, name: string): number {
  const elf = readElf(bytes).value;
  assert.ok(elf, `${name} is readable`);
  const unit = decodeUnit(elf, name, capstone);
  const { items } = unitItems(unit);
  const source = { syntax: 'objdump-intel', syntaxReason: 'test', mode: unit.mode === 64 ? 8 : 4 } as const;
  let rewalks = 0;
  for (const options of CONTEXTS) {
    const whole = wholeReport(items, source, options);
    let walks = 0;
    const streaming = unitItemPieces(unit);
    const streamed = analyzeItemsOnePass((emit) => {
      walks++;
      streaming(emit);
    }, source, options);
    assert.deepEqual(streamed, whole, `${name} ${JSON.stringify(options)}: streamed equals whole`);
    assert.deepEqual(analyzeItemsOnePass(itemPieces(items), source, options), whole, `${name}: pieces of collected items equal whole`);
    rewalks += walks - 1;
  }
  return rewalks;
}

test('streamed equals whole when later functions change the verdict and the no-return set', () => {
  const c = join(dir, 'late.c');
  writeFileSync(c, SOURCE);
  let rewalks = 0;
  for (const cc of ['gcc', 'clang']) {
    for (const level of ['-O0', '-O2']) {
      const o = join(dir, `${cc}${level}.o`);
      execFileSync(cc, [level, '-g', '-c', '-fno-inline', ...(cc === 'gcc' ? ['-fno-toplevel-reorder'] : []), c, '-o', o]);
      const order = execFileSync('nm', ['-n', o], { encoding: 'utf8' }).split('\n').map((line) => line.split(' ')[2]);
      assert.ok(order.indexOf('later') > order.indexOf('first') && order.indexOf('privileged') > order.indexOf('third'), `${cc} ${level} keeps the source order: ${order.join(' ')}`);
      rewalks += assertSame(new Uint8Array(readFileSync(o)), `${cc} ${level}`);
    }
  }
  // Without a second walk the late facts would never reach the earlier functions.
  assert.ok(rewalks > 0, 'some analysis had to check pieces again');
});

test('streamed equals whole on members of libc.a', { skip: !existsSync(LIBC_A) && 'libc6-dev is not installed' }, () => {
  const members = readArchive(new Uint8Array(readFileSync(LIBC_A))).value ?? [];
  // Every 15th member: about 120 objects of hand-written and compiled code.
  const sample = members.filter((m, i) => i % 15 === 0 && isElf(m.data));
  assert.ok(sample.length > 100);
  for (const member of sample) assertSame(member.data, member.name);
});
