/**
 * Jump tables of objects are read through their relocations (`.rela.rodata`): the same switch
 * compiled by gcc and clang, with absolute entries (`-fno-pic`, `jmp *0x0(,%rax,8)`) and with
 * PC-relative ones (`-fpic`, `lea; movslq; add; jmp *%rax`), gives the object's indirect jump the
 * table the compiler's own assembly lists, entry for entry, and the analysis of the object then
 * agrees with the analysis of that assembly.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { analyzeText, type AnalysisOptions } from '../../server/src/core/index';
import { analyzeObject } from '../../server/src/core/objects/index';
import { decodeUnit, unitItems } from '../../server/src/core/objects/listing';
import { readElf } from '../../server/src/core/elf/index';
import { createObjectDecoders, type ObjectDecoders } from '../../server/src/host/decoders';

const SOURCE = join(process.cwd(), 'test', 'fixtures', 'objects', 'switch.c');
const KERNEL: AnalysisOptions = { forcedKernel: { kernel: true, reason: 'forced by the test' } };

let dir = '';
let decoders: ObjectDecoders;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'redzone-jump-tables-'));
  decoders = await createObjectDecoders();
});
after(() => {
  decoders.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The jump tables in a compiler's assembly, each the labels of its entries: `.L4: .quad .L5`, `.long .L5-.L4`, `.long .LBB0_3-.LJTI0_0`. */
function assemblyTables(assembly: string): string[][] {
  const tables: string[][] = [];
  let current: string[] | undefined;
  for (const line of assembly.split('\n')) {
    const entry = /^\s*\.(?:quad|long)\s+(\.L\w+)(?:-\.L\w+)?\s*$/.exec(line);
    if (entry) (current ??= (tables.push([]), tables[tables.length - 1]!)).push(entry[1]!);
    else if (!/^\s*(\.p2align|\.align|\.section|\.balign)/.test(line)) current = undefined;
  }
  return tables;
}

for (const cc of ['gcc', 'clang']) {
  for (const pic of [false, true]) {
    const flags = ['-O2', '-w', pic ? '-fpic' : '-fno-pic', ...(pic || cc === 'clang' ? [] : ['-mcmodel=kernel'])];
    test(`${cc} ${flags.join(' ')}: the object's switch jump reads the table the assembly lists`, () => {
      const base = join(dir, `${cc}${pic ? '-pic' : ''}`);
      execFileSync(cc, ['-S', ...flags, SOURCE, '-o', `${base}.s`]);
      execFileSync(cc, ['-c', ...flags, SOURCE, '-o', `${base}.o`]);
      const assembly = readFileSync(`${base}.s`, 'utf8');
      const expected = assemblyTables(assembly);
      assert.equal(expected.length, 3, 'the compiler made three jump tables');

      const bytes = new Uint8Array(readFileSync(`${base}.o`));
      const elf = readElf(bytes).value!;
      const { items } = unitItems(decodeUnit(elf, 'x.o', decoders));
      // Each table is stated before the instruction that names it, in the order the code uses them.
      const tables = items.flatMap((item) => (item.kind === 'data' ? [item.values] : []));
      assert.equal(tables.length, expected.length, 'one table per switch');
      // The same entries point at the same case: equal labels in the assembly are equal targets here,
      // and a table ends where the next begins.
      const partition = (list: readonly string[]) => list.map((label) => list.indexOf(label));
      const sorted = (list: string[][]) => list.map(partition).map((p) => JSON.stringify(p)).sort();
      assert.deepEqual(sorted(tables.map((t) => [...t])), sorted(expected));
      // Every target is a labelled instruction of the function.
      const labels = new Set(items.flatMap((item) => (item.kind === 'label' ? [item.name] : [])));
      for (const entry of tables.flat()) assert.ok(labels.has(entry), entry);

      const object = analyzeObject(bytes, 'x.o', decoders, KERNEL).units[0]!.report!;
      const text = analyzeText(assembly, KERNEL);
      const summary = (findings: readonly { code: string; function: string }[]) => findings.map((f) => `${f.function} ${f.code}`).sort();
      assert.deepEqual(summary(object.findings), summary(text.findings));
    });
  }
}
