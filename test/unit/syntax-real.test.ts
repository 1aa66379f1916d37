/**
 * Real compiler and disassembler output: a small C file is compiled at test time with gcc (and
 * clang when installed), in every form the text parsers accept, and every instruction line must
 * parse with `unknown: false`, with the dialect detected correctly.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TextSyntax } from '../../server/src/core/ir';
import { detectSyntax, parseAsm } from '../../server/src/core/syntax/index';

const SOURCE = `
#include <stdio.h>
#include <string.h>
#include <stdarg.h>
struct big { long a[20]; };
extern void use(char *);
int sw(int x) { switch (x) { case 0: return 3; case 1: return 7; case 2: return 9; case 3: return 11; case 4: return 13; case 5: return 1; } return 0; }
int leaf(int a, int b) { int arr[4]; arr[0] = a; arr[1] = b; arr[2] = a + b; arr[3] = a * b; return arr[a & 3]; }
void prot(void) { char buf[64]; use(buf); }
void copy(struct big *d, const struct big *s) { *d = *s; }
void zero(long *p) { memset(p, 0, 160); }
double conv(int x, float y, short s, unsigned char c) { return x * (double)y + s + c; }
long divide(long a, long b) { return a / b + (a % b); }
int sum(int n, ...) { va_list ap; va_start(ap, n); int s = 0; for (int i = 0; i < n; i++) s += va_arg(ap, int); va_end(ap); return s; }
static long long big = 0x123456789abcLL;
int main(int argc, char **argv) { printf("%d %s\\n", sw(argc) + leaf(argc, 2) + sum(2, 1, 2), argv[0]); prot(); return (int)big; }
`;

const has = (tool: string): boolean => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;

/** Checks that every instruction parses and the dialect is detected as `expected`. */
function checkListing(t: TestContext, text: string, expected: TextSyntax, minInstructions: number): void {
  assert.equal(detectSyntax(text).syntax, expected);
  const parsed = parseAsm(text);
  assert.equal(parsed.syntax, expected);
  const insns = parsed.items.flatMap((item) => (item.kind === 'insn' ? [item.insn] : []));
  const unknown = insns.filter((insn) => insn.unknown).map((insn) => `${insn.line + 1}: ${insn.text}`);
  assert.deepEqual(unknown, []);
  assert.deepEqual(parsed.problems, []);
  assert.ok(insns.length >= minInstructions, `only ${insns.length} instructions`);
  t.diagnostic(`${insns.length} instructions, ${parsed.syntaxReason}`);
}

for (const compiler of ['gcc', 'clang']) {
  test(`${compiler} output in every text form parses without unknown instructions`, async (t) => {
    if (!has(compiler)) {
      t.skip(`${compiler} is not installed`);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'rz-syntax-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const c = join(dir, 'a.c');
    writeFileSync(c, SOURCE);
    const run = (args: string[]): string => execFileSync(compiler, args, { cwd: dir, encoding: 'utf8' });
    for (const opt of ['-O0', '-O2', '-Os']) {
      await t.test(`${opt} -S (AT&T, with -g)`, (tt) => {
        run([opt, '-g', '-S', 'a.c', '-o', 'att.s']);
        const text = readFileSync(join(dir, 'att.s'), 'utf8');
        checkListing(tt, text, 'att', 20);
        const parsed = parseAsm(text);
        assert.ok(parsed.items.some((i) => i.kind === 'loc'), '.loc directives are interpreted');
        assert.ok(parsed.items.some((i) => i.kind === 'file'), '.file directives are interpreted');
        assert.ok(parsed.items.some((i) => i.kind === 'type-function' && i.name === 'main'));
      });
      await t.test(`${opt} -S -masm=intel`, (tt) => {
        run([opt, '-S', '-masm=intel', 'a.c', '-o', 'intel.s']);
        checkListing(tt, readFileSync(join(dir, 'intel.s'), 'utf8'), 'intel', 20);
      });
    }
    run(['-O2', '-g', '-fstack-protector-all', '-c', 'a.c', '-o', 'a.o']);
    const objdump = (args: string[]): string => execFileSync('objdump', [...args, join(dir, 'a.o')], { encoding: 'utf8' });
    await t.test('objdump -d', (tt) => checkListing(tt, objdump(['-d']), 'objdump-att', 50));
    await t.test('objdump -d -M intel', (tt) => checkListing(tt, objdump(['-d', '-M', 'intel']), 'objdump-intel', 50));
    await t.test('objdump -d --no-show-raw-insn', (tt) => checkListing(tt, objdump(['-d', '--no-show-raw-insn']), 'objdump-att', 50));
    await t.test('objdump -dS', (tt) => checkListing(tt, objdump(['-dS']), 'objdump-att', 50));
    await t.test('objdump -dl -r: relocated calls name __stack_chk_fail', (tt) => {
      const text = objdump(['-dl', '-r']);
      checkListing(tt, text, 'objdump-att', 50);
      const parsed = parseAsm(text);
      assert.ok(parsed.items.some((i) => i.kind === 'source-line'), '-l lines become source-line directives');
      const targets = parsed.items.flatMap((i) => (i.kind === 'insn' && i.insn.mnemonic === 'call' ? i.insn.operands : []));
      assert.ok(targets.some((op) => op.kind === 'target' && op.name === '__stack_chk_fail'));
    });
    await t.test('objdump -d lengths add up to the next address', () => {
      const parsed = parseAsm(objdump(['-d']));
      const insns = parsed.items.flatMap((i) => (i.kind === 'insn' ? [i.insn] : []));
      for (let i = 0; i + 1 < insns.length; i++) {
        const a = insns[i];
        const b = insns[i + 1];
        if (a.address === undefined || b.address === undefined || b.address < a.address) continue;
        if (b.address - a.address > 15) continue;
        assert.equal(a.address + (a.length ?? 0), b.address, `${a.line + 1}: ${a.text}`);
      }
    });
  });
}
