/**
 * The variables behind stack slots in clang's DWARF (`host/dwarf-variables.ts`), on real clang
 * output compiled at test time: every variable the reader finds, with its frame offset, is the one
 * GNU objdump's DWARF reader finds in the object clang builds from the same source with the same
 * flags (DWARF 5 and DWARF 4); the sizes are those the fixture's comments give for the C types.
 * Then the finding side: a store below RSP at `-O0` is named after the local it writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeText } from '../../server/src/core/index';
import { readFrameVariables, variableAt } from '../../server/src/host/dwarf-variables';
import { frameDisplacement, placeOnSources } from '../../server/src/host/source-findings';
import { assemblyFlagsFor } from '../../server/src/host/compile-source';
import { requireTool } from '../support/tools';

const source = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'c', 'frame-variables.c');

/** Each function's variables as GNU objdump reads them from the object: name and DW_OP_fbreg offset. */
function objdumpVariables(object: string): Map<string, { frameBase: string; variables: { name: string; offset: number }[] }> {
  const dump = execFileSync('objdump', ['--dwarf=info', object], { encoding: 'utf8' });
  const functions = new Map<string, { frameBase: string; variables: { name: string; offset: number }[] }>();
  let current: { frameBase: string; variables: { name: string; offset: number }[] } | undefined;
  let entry: { tag: string; offset?: number; name?: string; frameBase?: string } | undefined;
  const close = () => {
    if (entry?.tag === 'DW_TAG_subprogram' && entry.name !== undefined) {
      current = { frameBase: entry.frameBase ?? '', variables: [] };
      functions.set(entry.name, current);
    } else if ((entry?.tag === 'DW_TAG_variable' || entry?.tag === 'DW_TAG_formal_parameter') && entry.offset !== undefined && entry.name !== undefined) {
      current?.variables.push({ name: entry.name, offset: entry.offset });
    }
  };
  for (const line of dump.split('\n')) {
    const head = /Abbrev Number: \d+ \((DW_TAG_\w+)\)/.exec(line);
    if (head !== null) {
      close();
      entry = { tag: head[1]! };
      continue;
    }
    if (entry === undefined) continue;
    const name = /DW_AT_name\s*:\s*(?:\(indexed string: 0x[0-9a-f]+\): |\(indirect string, offset: 0x[0-9a-f]+\): )?(\S+)\s*$/.exec(line);
    if (name !== null) entry.name = name[1]!;
    const fbreg = /DW_AT_location.*\(DW_OP_fbreg: (-?\d+)\)/.exec(line);
    if (fbreg !== null) entry.offset = Number(fbreg[1]);
    const base = /DW_AT_frame_base.*\(DW_OP_reg\d+ \((\w+)\)\)/.exec(line);
    if (base !== null) entry.frameBase = base[1]!;
  }
  close();
  return functions;
}

const expectedSizes: Record<string, number> = { x: 4, value: 4, flags: 8, cursor: 8, seed: 8, buffer: 24, both: 16, port: 2, grid: 24, n: 4, total: 4, k: 4, square: 8 };

for (const dwarf of ['-gdwarf-5', '-gdwarf-4']) {
  test(`clang -O0 -g (${dwarf}): the frame variables read from the assembly are objdump's, with the C types' sizes`, () => {
    requireTool('clang');
    const dir = mkdtempSync(join(tmpdir(), 'redzone-dwarf-'));
    try {
      const flags = ['-O0', '-g', dwarf, '-fverbose-asm'];
      execFileSync('clang', [...flags, '-S', '-o', join(dir, 'out.s'), source]);
      execFileSync('clang', [...flags, '-c', '-o', join(dir, 'out.o'), source]);
      const ours = readFrameVariables(readFileSync(join(dir, 'out.s'), 'utf8'));
      const theirs = objdumpVariables(join(dir, 'out.o'));
      assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort());
      assert.deepEqual([...ours.keys()].sort(), ['aggregates', 'nested', 'scalars']);
      for (const [name, fn] of ours) {
        assert.equal(fn.frameBase, theirs.get(name)!.frameBase, name);
        assert.deepEqual(fn.variables.map((v) => [v.name, v.offset]).sort(), theirs.get(name)!.variables.map((v) => [v.name, v.offset]).sort(), name);
        for (const variable of fn.variables) assert.equal(variable.size, expectedSizes[variable.name], `${name}: ${variable.name}`);
      }
      // A displacement inside an aggregate names it; one between variables names nothing.
      const aggregates = ours.get('aggregates')!;
      const buffer = aggregates.variables.find((v) => v.name === 'buffer')!;
      assert.equal(variableAt(aggregates, buffer.offset + 23), 'buffer');
      const taken = new Set(aggregates.variables.flatMap((v) => Array.from({ length: v.size ?? 1 }, (_, k) => v.offset + k)));
      const gap = Array.from({ length: 200 }, (_, k) => -k).find((offset) => !taken.has(offset));
      if (gap !== undefined) assert.equal(variableAt(aggregates, gap), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a store below RSP in clang -O0 code is named after the local it writes', () => {
  requireTool('clang');
  const dir = mkdtempSync(join(tmpdir(), 'redzone-dwarf-'));
  try {
    const flags = ['-O0', ...assemblyFlagsFor(['clang', '-O0'])];
    assert.ok(flags.includes('-g'), 'at -O0 the compile asks for full -g');
    execFileSync('clang', [...flags, '-S', '-o', join(dir, 'out.s'), source]);
    const assembly = readFileSync(join(dir, 'out.s'), 'utf8');
    const report = analyzeText(assembly, { forcedKernel: { kernel: true, reason: 'test' } });
    const { placed } = placeOnSources(report, assembly, dir);
    const lines = assembly.split('\n');
    const cText = readFileSync(source, 'utf8').split('\n');
    const named = placed.filter((p) => p.finding.code === 'red-zone-store');
    assert.ok(named.length > 0);
    for (const p of named) {
      // Every store through %rbp names a variable, and the C line it lands on declares or assigns it.
      if (frameDisplacement(lines[p.finding.line], 'rbp') === undefined) continue;
      assert.ok(p.variable !== undefined, `${lines[p.finding.line]} names no variable`);
      assert.match(cText[p.line - 1]!, new RegExp(`\\b${p.variable}\\b`), `line ${p.line} does not mention ${p.variable}`);
    }
    assert.ok(named.some((p) => p.variable === 'value'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('frameDisplacement reads a frame-based operand in AT&T and Intel syntax and nothing else', () => {
  assert.equal(frameDisplacement('\tmovl\t$42, -8(%rbp)', 'rbp'), -8);
  assert.equal(frameDisplacement('\tmovq\t%rax, -0x10(%rsp)', 'rsp'), -16);
  assert.equal(frameDisplacement('\tmovq\t%rax, (%rsp)', 'rsp'), 0);
  assert.equal(frameDisplacement('\tmov\tdword ptr [rbp - 12], 42', 'rbp'), -12);
  assert.equal(frameDisplacement('\tmov\tqword ptr [rsp], rax', 'rsp'), 0);
  assert.equal(frameDisplacement('\tmovl\t$1, -8(%rbp,%rax,4)', 'rbp'), undefined);
  assert.equal(frameDisplacement('\tmovl\t$1, -8(%rbx)', 'rbp'), undefined);
  assert.equal(frameDisplacement('\tmovl\t$1, %eax # -8(%rbp)', 'rbp'), undefined);
});
