/**
 * The object path against the text path: the same C compiled to `.s` and to `.o` (with `-g`) by
 * gcc and clang must give the same flagged functions, the listing's lines must be the findings'
 * lines (the listing read back by the objdump parser finds the same), relocations must name the
 * callee of a `call` in a `.o`, and DWARF must give each finding its C line.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { analyzeText, type AnalysisOptions, type Report } from '../../server/src/core/index';
import { analyzeObject, disassembleObject } from '../../server/src/core/objects/index';
import { decodeUnit, unitItems } from '../../server/src/core/objects/listing';
import { fromText } from '../../server/src/core/objects/lower';
import { parseIntelInstructionText } from '../../server/src/core/syntax/index';
import { readElf } from '../../server/src/core/elf/index';
import { createCapstoneDisassembler, type CapstoneDisassembler } from '../../server/src/host/capstone';
import { createObjectDecoders } from '../../server/src/host/decoders';

const SAMPLE = join(process.cwd(), 'test', 'fixtures', 'objects', 'sample.c');
const KERNEL: AnalysisOptions = { forcedKernel: { kernel: true, reason: 'forced by the test' } };
const FLAG_CODES = new Set(['red-zone-store', 'red-zone-load', 'below-red-zone', 'red-zone-clobbered']);

let dir = '';
let capstone: CapstoneDisassembler;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'redzone-objects-'));
  capstone = await createCapstoneDisassembler();
});
after(() => rmSync(dir, { recursive: true, force: true }));

function compile(cc: string, flags: readonly string[], out: string): string {
  const path = join(dir, out);
  execFileSync(cc, [...flags, '-w', SAMPLE, '-o', path]);
  return path;
}

function flagged(report: Report): string[] {
  return [...new Set(report.findings.filter((f) => FLAG_CODES.has(f.code)).map((f) => f.function))].sort();
}

function objectReport(path: string, options: AnalysisOptions = KERNEL): Report {
  const result = analyzeObject(new Uint8Array(readFileSync(path)), 'x.o', capstone, options);
  assert.equal(result.error, undefined);
  assert.equal(result.units.length, 1);
  return result.units[0]!.report!;
}

for (const cc of ['gcc', 'clang']) {
  for (const level of ['-O0', '-O1', '-O2', '-Os']) {
    test(`${cc} ${level}: the object and the assembly flag the same functions, and none with -mno-red-zone`, () => {
      const tag = `${cc}${level}`;
      for (const redZone of [true, false]) {
        const flags = [level, '-g', '-fstack-protector-strong', ...(redZone ? [] : ['-mno-red-zone'])];
        const s = compile(cc, ['-S', ...flags], `${tag}${redZone ? '' : '-norz'}.s`);
        const o = compile(cc, ['-c', ...flags], `${tag}${redZone ? '' : '-norz'}.o`);
        const text = analyzeText(readFileSync(s, 'utf8'), KERNEL);
        const object = objectReport(o);
        assert.deepEqual(flagged(object), flagged(text), `${tag} ${redZone ? '' : '-mno-red-zone'}`);
        if (!redZone) assert.deepEqual(flagged(object), []);
        if (redZone && level === '-O0') assert.ok(flagged(object).includes('helper'), 'helper uses the red zone at -O0');
        assert.equal(object.input, 'elf64');
      }
    });
  }
}

test('the listing read back by the objdump parser gives the same findings on the same lines', () => {
  for (const cc of ['gcc', 'clang']) {
    const o = compile(cc, ['-c', '-O0', '-g'], `${cc}-lines.o`);
    const result = analyzeObject(new Uint8Array(readFileSync(o)), 'x.o', capstone, KERNEL);
    const unit = result.units[0]!;
    const listing = unit.listing!;
    const lines = listing.split('\n');
    for (const finding of unit.report!.findings) {
      // The span is the instruction's text on the finding's line.
      const lineStart = listing.split('\n').slice(0, finding.line).join('\n').length + (finding.line > 0 ? 1 : 0);
      assert.ok(finding.span.start >= lineStart && finding.span.end <= lineStart + lines[finding.line]!.length, `${cc}: span on line ${finding.line}`);
      assert.match(lines[finding.line]!, /^\s*[0-9a-f]+:\t/);
    }
    for (const syntax of ['objdump-att', 'objdump-intel'] as const) {
      const shown = syntax === 'objdump-att' ? listing : analyzeObject(new Uint8Array(readFileSync(o)), 'x.o', capstone, { ...KERNEL, listingSyntax: 'intel' }).units[0]!.listing!;
      assert.equal(shown.split('\n').length, lines.length, 'both spellings have the same lines');
      const reread = analyzeText(shown, { ...KERNEL, syntax });
      const key = (r: Report) => r.findings.filter((f) => FLAG_CODES.has(f.code)).map((f) => `${f.function}:${f.line}:${f.code}:${f.offset}`).sort();
      assert.deepEqual(key(reread), key(unit.report!), `${cc} ${syntax}`);
    }
  }
});

test('relocations name the callee of a call in a .o: __stack_chk_fail, panic, a static helper', () => {
  const o = compile('gcc', ['-c', '-O1', '-fstack-protector-all', '-fno-inline'], 'reloc.o');
  const elf = readElf(new Uint8Array(readFileSync(o))).value!;
  const { items } = unitItems(decodeUnit(elf, 'reloc.o', capstone));
  const callees = new Set<string>();
  for (const item of items) {
    if (item.kind === 'insn' && item.insn.mnemonic === 'call' && item.insn.operands[0]?.kind === 'target') callees.add(item.insn.operands[0].name);
  }
  for (const name of ['__stack_chk_fail', 'panic', 'external', 'helper']) assert.ok(callees.has(name), `a call to ${name} in ${[...callees].join(', ')}`);
  const listing = disassembleObject(new Uint8Array(readFileSync(o)), 'reloc.o', capstone).units[0]!.listing!;
  assert.match(listing, /\tcall {3}[0-9a-f]+ <checked\+0x[0-9a-f]+>\n\t\t\t[0-9a-f]+: R_X86_64_PLT32\tpanic-0x4\n/);
});

test('findings carry the DWARF source line, and the message says the object lacks -mno-red-zone', () => {
  const o = compile('gcc', ['-c', '-O0', '-g'], 'dwarf.o');
  const report = objectReport(o);
  const store = report.findings.find((f) => f.function === 'leaf' && f.code === 'red-zone-store');
  assert.ok(store, 'leaf stores below %rsp');
  assert.equal(store.source?.path.endsWith('sample.c'), true);
  assert.ok(store.source!.line >= 6 && store.source!.line <= 9, `source line ${store.source!.line}`);
  assert.match(store.message, /compiled without -mno-red-zone/);
  // Without -g nothing is recorded, so nothing is claimed.
  const bare = objectReport(compile('gcc', ['-c', '-O0'], 'bare.o'));
  assert.ok(bare.findings.length > 0);
  for (const f of bare.findings) assert.equal(f.source, undefined);
  assert.doesNotMatch(bare.findings[0]!.message, /-mno-red-zone/);
});

test('kernel verdict: a kernel-only build option makes the object kernel code; globs and --user still win', () => {
  const o = compile('gcc', ['-c', '-O0', '-frecord-gcc-switches', '-mcmodel=kernel', '-fno-pic'], 'kopts.o');
  const report = objectReport(o, {});
  assert.equal(report.kernel.kernel, true);
  assert.match(report.kernel.reason, /-mcmodel=kernel/);
  assert.ok(flagged(report).includes('leaf'));
  const user = objectReport(o, { globKernel: { kernel: false, reason: 'a user glob' } });
  assert.equal(user.kernel.kernel, false);
  assert.deepEqual(flagged(user), []);
  const plain = objectReport(compile('gcc', ['-c', '-O0'], 'plain.o'), {});
  assert.equal(plain.kernel.kernel, false);
});

test('archives: each member is its own unit; 32-bit code and non-x86 members are told apart', () => {
  const a64 = compile('gcc', ['-c', '-O0'], 'm64.o');
  writeFileSync(join(dir, 'f32.s'), '\t.text\n\t.globl f32\n\t.type f32, @function\nf32:\n\tmovl %eax, -4(%esp)\n\tret\n\t.size f32, .-f32\n');
  execFileSync('as', ['--32', '-o', join(dir, 'f32.o'), join(dir, 'f32.s')]);
  const arm = new Uint8Array(readFileSync(a64));
  arm[18] = 183; // e_machine = EM_AARCH64
  writeFileSync(join(dir, 'arm.o'), arm);
  execFileSync('ar', ['rcs', join(dir, 'lib.a'), a64, join(dir, 'f32.o'), join(dir, 'arm.o')]);
  const result = analyzeObject(new Uint8Array(readFileSync(join(dir, 'lib.a'))), 'lib.a', capstone, KERNEL);
  assert.equal(result.input, 'ar');
  assert.deepEqual(result.units.map((u) => [u.member, u.input]), [['m64.o', 'elf64'], ['f32.o', 'elf32'], ['arm.o', 'unknown']]);
  assert.ok(flagged(result.units[0]!.report!).includes('leaf'));
  const f32 = result.units[1]!.report!;
  assert.equal(f32.abi, 'i386');
  assert.deepEqual(f32.findings.map((f) => f.code), ['below-red-zone']);
  assert.match(result.units[2]!.error!, /not an x86 ELF/);
});

test('garbage, truncated and empty inputs give an error, never an exception', () => {
  const o = new Uint8Array(readFileSync(compile('gcc', ['-c', '-O2'], 'g.o')));
  for (const bytes of [new Uint8Array(0), Uint8Array.from([0x7f, 0x45, 0x4c, 0x46]), o.subarray(0, 40), o.subarray(0, 64), new TextEncoder().encode('!<arch>\nbroken')]) {
    const result = analyzeObject(bytes, 'bad', capstone, KERNEL);
    assert.ok(result.error !== undefined || result.units.every((u) => u.error !== undefined || u.report !== undefined));
  }
  // Every truncation of a real object either analyzes or fails with a message.
  for (let cut = 0; cut < o.length; cut += Math.max(1, Math.floor(o.length / 97))) {
    const result = analyzeObject(o.subarray(0, cut), 'cut.o', capstone, KERNEL);
    assert.ok(result.error !== undefined || result.units.length === 1, `cut at ${cut}`);
  }
});

test('the direct-branch shortcut lowers exactly as the Intel parser does', () => {
  const o = compile('gcc', ['-c', '-O2', '-fstack-protector-all'], 'branches.o');
  const unit = decodeUnit(readElf(new Uint8Array(readFileSync(o))).value!, 'branches.o', capstone);
  let branches = 0;
  for (const section of unit.sections) {
    for (const raw of section.decode(true)) {
      const text = raw.opStr ? `${raw.mnemonic} ${raw.opStr}` : raw.mnemonic;
      const parsed = parseIntelInstructionText(text, { line: 7, span: { start: 0, end: 0 }, address: raw.address, length: raw.length });
      const fast = fromText(raw, 7);
      assert.deepEqual({ ...fast, prefixes: [...fast.prefixes] }, { ...parsed, prefixes: [...parsed.prefixes] }, text);
      if (fast.operands[0]?.kind === 'target') branches++;
    }
  }
  assert.ok(branches > 5, `${branches} direct branches compared`);
});

test('linked files: calls are named by symbol and by PLT entry, as objdump names them', () => {
  const exe = join(dir, 'linked');
  writeFileSync(join(dir, 'linked.c'), '#include <stdlib.h>\n#include <stdio.h>\nstatic int twice(int x) { return 2 * x; }\nint main(int argc, char **argv) { (void)argv; if (argc > 5) abort(); printf("%d", twice(argc)); return 0; }\n');
  execFileSync('gcc', ['-O0', '-fno-inline', join(dir, 'linked.c'), '-o', exe]);
  const elf = readElf(new Uint8Array(readFileSync(exe))).value!;
  const { items } = unitItems(decodeUnit(elf, 'linked', capstone));
  const callees = new Set<string>();
  for (const item of items) {
    if (item.kind === 'insn' && item.insn.mnemonic === 'call' && item.insn.operands[0]?.kind === 'target') callees.add(item.insn.operands[0].name);
  }
  for (const name of ['abort@plt', 'printf@plt', 'twice']) assert.ok(callees.has(name), `${name} in ${[...callees].join(', ')}`);
  const listing = disassembleObject(new Uint8Array(readFileSync(exe)), 'linked', capstone).units[0]!.listing!;
  assert.match(listing, /\tcall {3}[0-9a-f]+ <abort@plt>\n/);
  assert.match(listing, /\n0000000000[0-9a-f]{6} <main>:\n/);
});

test('i386 executables: PLT entries are named as objdump names them, position-independent and fixed-address', () => {
  // No 32-bit libc here: a tiny i386 shared library and executable, linked by ld itself.
  writeFileSync(join(dir, 'lib32.c'), 'void foo(int x) { (void)x; }\nvoid __stack_chk_fail(void) { for (;;) ; }\n');
  writeFileSync(join(dir, 'main32.c'), 'void foo(int);\nvoid __stack_chk_fail(void);\nint main(int argc, char **argv) { (void)argv; foo(argc); if (argc > 3) __stack_chk_fail(); foo(2); return 0; }\n');
  execFileSync('clang', ['-m32', '-O1', '-fPIC', '-c', join(dir, 'lib32.c'), '-o', join(dir, 'lib32.o')]);
  execFileSync('ld', ['-m', 'elf_i386', '-shared', join(dir, 'lib32.o'), '-o', join(dir, 'libfoo32.so')]);
  for (const [flag, link] of [['-fpie', ['-pie']], ['-fno-pic', []]] as const) {
    const exe = join(dir, `main32${flag}`);
    execFileSync('clang', ['-m32', '-O1', flag, '-c', join(dir, 'main32.c'), '-o', `${exe}.o`]);
    execFileSync('ld', ['-m', 'elf_i386', ...link, '-dynamic-linker', '/lib/ld-linux.so.2', '-e', 'main', `${exe}.o`, join(dir, 'libfoo32.so'), '-o', exe]);
    const calls = (text: string): string[] => [...text.matchAll(/\tcall +([0-9a-f]+ <[^>]+>)/g)].map((m) => m[1]!);
    const ours = calls(disassembleObject(new Uint8Array(readFileSync(exe)), 'main32', capstone).units[0]!.listing!);
    const objdump = calls(execFileSync('objdump', ['-d', exe], { encoding: 'utf8' }));
    assert.ok(ours.some((c) => c.endsWith('<foo@plt>')) && ours.some((c) => c.endsWith('<__stack_chk_fail@plt>')), `${flag}: ${ours.join(', ')}`);
    assert.deepEqual(ours, objdump, flag);
  }
});

test('AVX-512 masks, zeroing and broadcasts are spelled in the AT&T listing as objdump spells them', () => {
  writeFileSync(join(dir, 'avx512.c'), [
    'void f(int *a, const int *b, int n) { for (int i = 0; i < n; i++) if (b[i] > 3) a[i] = b[i] * 7; }',
    'void g(float *a, const float *b, float c, int n) { for (int i = 0; i < n; i++) a[i] = b[i] > 0 ? b[i] * c : 0; }',
    'void h(double *a, const double *b, int n) { for (int i = 0; i < n; i++) a[i] += b[i] * 3.0; }',
  ].join('\n'));
  for (const cc of ['gcc', 'clang']) {
    const o = join(dir, `avx512-${cc}.o`);
    execFileSync(cc, ['-c', '-O3', '-mavx512f', '-mavx512vl', join(dir, 'avx512.c'), '-o', o]);
    // The instruction column of every decorated line, blanks collapsed, objdump's `# address` comment dropped.
    const decorated = (listing: string): string[] => listing.split('\n').filter((l) => /^ *[0-9a-f]+:\t/.test(l) && l.includes('{'))
      .map((l) => l.split('\t')[2]!.replace(/\s+#.*$/, '').replace(/\s+/g, ' ').trim());
    const ours = decorated(disassembleObject(new Uint8Array(readFileSync(o)), 'avx512.o', capstone).units[0]!.listing!);
    const objdump = decorated(execFileSync('objdump', ['-d', o], { encoding: 'utf8' }));
    assert.ok(objdump.length >= 3 && objdump.some((l) => l.includes('{%k')), `${cc}: ${objdump.join('; ')}`);
    assert.deepEqual(ours, objdump, cc);
  }
});

test("keepListing 'findings' keeps the flagged functions' items only: the same findings, sources and lines as the whole listing, one section per function too", async () => {
  const decoders = await createObjectDecoders();
  try {
    for (const flags of [['-c', '-O0', '-g'], ['-c', '-O1', '-g', '-ffunction-sections']]) {
      const o = new Uint8Array(readFileSync(compile('gcc', flags, 'kept.o')));
      const whole = analyzeObject(o, 'kept.o', decoders, { ...KERNEL, keepListing: 'always' }).units[0]!;
      const sparse = analyzeObject(o, 'kept.o', decoders, { ...KERNEL, keepListing: 'findings' }).units[0]!;
      const described = (unit: typeof whole) => unit.report!.findings.map((f) => JSON.stringify([f.line, f.function, f.code, f.offset, f.source, f.message, f.related.map((r) => [r.line, r.message])]));
      assert.ok(whole.report!.findings.filter((f) => f.source !== undefined).length > 1, flags.join(' '));
      assert.deepEqual(described(sparse), described(whole), flags.join(' '));
      const wholeLines = whole.listing!.split('\n');
      for (const f of sparse.report!.findings) assert.equal(sparse.listing!.split('\n')[f.line], wholeLines[f.line]);
    }
  } finally {
    decoders.close();
  }
});

test("keepListing 'findings': only the flagged lines are printed, exactly as in the whole listing", () => {
  const o = new Uint8Array(readFileSync(compile('gcc', ['-c', '-O0'], 'sparse.o')));
  const whole = analyzeObject(o, 'sparse.o', capstone, { ...KERNEL, keepListing: 'always' }).units[0]!;
  const sparse = analyzeObject(o, 'sparse.o', capstone, { ...KERNEL, keepListing: 'findings' }).units[0]!;
  const findings = sparse.report!.findings;
  assert.ok(findings.length > 0 && findings.some((f) => f.related.length > 0), 'the sample has findings with related locations');
  const wholeLines = whole.listing!.split('\n');
  const sparseLines = sparse.listing!.split('\n');
  assert.equal(sparseLines.length, wholeLines.length);
  const wanted = new Set(findings.flatMap((f) => [f.line, ...f.related.map((r) => r.line)]));
  sparseLines.forEach((line, i) => assert.equal(line, wanted.has(i) ? wholeLines[i] : '', `line ${i}`));
  // Spans keep their columns, and related messages quote the listing's AT&T spelling either way.
  const columns = (unit: typeof whole, f: (typeof findings)[number]) => f.span.start - unit.listing!.lastIndexOf('\n', f.span.start - 1);
  whole.report!.findings.forEach((f, i) => {
    assert.equal(columns(sparse, findings[i]!), columns(whole, f));
    assert.deepEqual(findings[i]!.related.map((r) => r.message), f.related.map((r) => r.message));
  });
});
