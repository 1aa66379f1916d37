// Tests the oracle's own machinery (the function splitter, the normalizer and the red-zone
// diff) on real compiler output of a small C file, so that a wrong ground truth is caught here
// and not mistaken for an analyzer bug. Needs gcc and clang, like the oracle itself.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { diffBuilds, normalizeFunction, normalizedFunctions, splitFunctions } from './asm-functions.mjs';
import { compilerVersion } from './corpus.mjs';

// leaf keeps a local array below %rsp at every level; caller and branches make calls, so they
// have a frame; checked gets a gcc `.cold` part at -O2.
const SOURCE = `
#include <stdlib.h>
int ext(int);
int leaf(int a) { volatile int x[4]; x[a & 3] = a; return x[0] + x[1]; }
int caller(int a) { return ext(a) + ext(a + 1); }
int checked(int *p) { if (__builtin_expect(p == 0, 0)) abort(); return *p + 1; }
int branches(int a) {
  switch (a) { case 0: return ext(1); case 1: return ext(7); case 2: return 9; case 3: return ext(a * 3); case 4: return 11; default: return a; }
}
`;

const dir = mkdtempSync(join(tmpdir(), 'rz-oracle-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'u.c'), SOURCE);

function compile(cc: string, flags: string[]): string {
  compilerVersion(cc); // throws a clear message when the compiler is missing
  const out = join(dir, `out-${cc}-${flags.join('')}.s`);
  execFileSync(cc, ['-S', ...flags, '-o', out, join(dir, 'u.c')]);
  return readFileSync(out, 'utf8');
}

for (const cc of ['gcc', 'clang']) {
  test(`${cc}: the splitter finds every function between .type and .size`, () => {
    const text = compile(cc, ['-O2']);
    const names = splitFunctions(text).map((fn) => fn.name);
    const expected = ['leaf', 'caller', 'checked', 'branches'];
    assert.deepEqual(names.filter((name) => !name.endsWith('.cold')), expected);
    const lines = text.split('\n');
    for (const fn of splitFunctions(text)) {
      assert.match(lines[fn.startLine - 1], new RegExp(`\\.type\\s+${fn.name.replace('.', '\\.')},`));
      assert.match(lines[fn.endLine - 1], new RegExp(`\\.size\\s+${fn.name.replace('.', '\\.')},`));
      assert.ok(fn.lines.some((line) => line.startsWith(`${fn.name}:`)), `${fn.name} holds its own label`);
    }
  });

  for (const syntax of ['att', 'intel']) {
    for (const level of ['-O0', '-O1', '-O2', '-Os']) {
      const flags = [level, ...(syntax === 'intel' ? ['-masm=intel'] : [])];
      test(`${cc} ${level} ${syntax}: -g, .cfi and .loc do not change the normalized code`, () => {
        const plain = normalizedFunctions(compile(cc, [...flags, '-fno-asynchronous-unwind-tables']));
        const debug = normalizedFunctions(compile(cc, [...flags, '-g']));
        assert.deepEqual([...debug.keys()], [...plain.keys()]);
        for (const [name, code] of plain) assert.equal(debug.get(name), code, `${name} differs with -g`);
        for (const code of plain.values()) assert.doesNotMatch(code, /^\s*\.(loc|cfi_)|\s#/m);
      });

      test(`${cc} ${level} ${syntax}: the diff finds the red-zone leaf and only it`, () => {
        const { usesRedZone, unpaired } = diffBuilds(compile(cc, flags), compile(cc, [...flags, '-mno-red-zone']));
        assert.deepEqual(unpaired, []);
        assert.equal(usesRedZone.get('leaf'), true);
        assert.equal(usesRedZone.get('caller'), false);
        if (level === '-O0') assert.equal(usesRedZone.get('branches'), false);
      });
    }
  }
}

test('gcc -O2: a .cold part is split out and folded into its parent', () => {
  const text = compile('gcc', ['-O2']);
  const names = splitFunctions(text).map((fn) => fn.name);
  assert.ok(names.includes('checked.cold'), `expected checked.cold in ${names.join(', ')}`);
  const cold = splitFunctions(text).find((fn) => fn.name === 'checked.cold');
  assert.ok(cold?.lines.some((line) => /call\s+abort/.test(line)));
  const folded = normalizedFunctions(text);
  assert.ok(!folded.has('checked.cold'));
  assert.match(folded.get('checked') ?? '', /;cold\n[^]*call abort/);
});

test('the normalizer renames local labels by first appearance and drops unreferenced ones', () => {
  const lines = [
    'f:', '.LFB0:', '\t.cfi_startproc', '\t.loc 1 3 1', '\ttestl\t%edi,   %edi  # a comment',
    '\tje\t.L7', '.LVL1:', '\tmovl\t$1, -4(%rsp)', '.L7:', '\tleaq\t.LC3(%rip), %rax', '\tret', '\t.cfi_endproc',
  ];
  assert.deepEqual(normalizeFunction(lines), [
    'f:', 'testl %edi, %edi', 'je .L#0', 'movl $1, -4(%rsp)', '.L#0:', 'leaq .L#1(%rip), %rax', 'ret',
  ]);
});
