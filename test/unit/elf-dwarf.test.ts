/**
 * DWARF line tables and producer strings, checked against `objdump --dwarf=decodedline` and
 * `readelf --debug-dump=info` of the same files, for DWARF 5, 4 and 2, objects and executables.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readElf, type ElfFile } from '../../server/src/core/elf/elf';
import { lineLookup, readCompileUnits, readDebugLines, type LineSequence } from '../../server/src/core/elf/dwarf-line';
import { fixtures, run } from '../fixtures/elf/build';

function load(name: string): ElfFile {
  const result = readElf(fixtures().read(name));
  assert.equal(result.error, undefined);
  return result.value!;
}

/** Rows as objdump prints them: "file line address", with "-" as the line of an end-of-sequence row. */
function objdumpRows(name: string): string[] {
  const out = run('objdump', ['--dwarf=decodedline', fixtures().files[name]]);
  const rows: string[] = [];
  for (const line of out.split('\n')) {
    const m = /^(\S+)\s+(\d+|-)\s+(0x[0-9a-f]+|0)(?:\s|$)/.exec(line);
    if (m && m[1] !== 'File') rows.push(`${m[1]} ${m[2]} ${BigInt(m[3]).toString(16)}`);
  }
  return rows;
}

function ourRows(sequences: readonly LineSequence[]): string[] {
  return sequences.flatMap((s) =>
    s.rows.map((r) => `${r.file.split('/').pop()} ${r.endSequence ? '-' : r.line} ${r.address.toString(16)}`),
  );
}

for (const name of ['dwarf5.o', 'dwarf4.o', 'dwarf2.o', 'dwarf5', 'dwarf4', 'f32g.o']) {
  test(`line rows of ${name} match objdump --dwarf=decodedline`, () => {
    const elf = load(name);
    const result = readDebugLines(elf);
    assert.equal(result.error, undefined);
    assert.deepEqual(result.problems, []);
    const expected = objdumpRows(name);
    assert.ok(expected.length > 5, 'objdump printed rows');
    assert.deepEqual(ourRows(result.value!), expected);
  });
}

test('sequences of a -ffunction-sections object name their .text.* section', () => {
  const elf = load('dwarf5.o');
  const sequences = readDebugLines(elf).value!;
  const names = sequences.map((s) => (s.sectionIndex === undefined ? '?' : elf.sections[s.sectionIndex].name));
  for (const fn of ['add', 'sum', 'leaf', 'main', 'panic']) assert.ok(names.includes(`.text.${fn}`), `${fn} in ${names.join(', ')}`);
  const lookup = lineLookup(sequences);
  const leaf = elf.sections.find((s) => s.name === '.text.leaf')!;
  const pos = lookup(leaf.index, 0);
  assert.equal(pos?.line, 17);
  assert.match(pos!.file, /main\.c$/);
  // The header's file is reached through the inlined inc().
  const files = new Set(sequences.flatMap((s) => s.rows.map((r) => r.file.split('/').pop())));
  assert.ok(files.has('inc.h'));
});

test('a linked executable maps addresses to .text and to the lines addr2line gives', () => {
  const elf = load('dwarf5');
  const sequences = readDebugLines(elf).value!;
  const text = elf.sections.find((s) => s.name === '.text')!;
  assert.ok(sequences.every((s) => s.sectionIndex === text.index));
  const lookup = lineLookup(sequences);
  const addresses = elf.symbols
    .filter((s) => s.type === 'func' && s.size > 0 && ['add', 'sum', 'leaf', 'main', 'panic'].includes(s.name))
    .flatMap((s) => [s.value, s.value + Math.floor(s.size / 2), s.value + s.size - 1]);
  assert.equal(addresses.length, 15);
  const expected = run('addr2line', ['-e', fixtures().files['dwarf5'], ...addresses.map((a) => `0x${a.toString(16)}`)]).trim().split('\n');
  const actual = addresses.map((a) => {
    const pos = lookup(undefined, a);
    return pos ? `${pos.file}:${pos.line}` : '??:0';
  });
  assert.deepEqual(actual, expected.map((line) => line.replace(/ \(discriminator \d+\)$/, '')));
});

test('DW_AT_producer records -mno-red-zone', () => {
  const units = readCompileUnits(load('nored.o'));
  assert.deepEqual(units.problems, []);
  assert.equal(units.value!.length, 1);
  assert.match(units.value![0].producer ?? '', /^GNU C\d+ .*-mno-red-zone/);
  assert.equal(units.value![0].name, 'main.c');
  const readelf = run('readelf', ['--debug-dump=info', fixtures().files['nored.o']]);
  assert.ok(readelf.includes(units.value![0].producer!), 'readelf shows the same producer');
});

for (const name of ['dwarf4.o', 'dwarf2.o', 'dwarf5']) {
  test(`producer of ${name} matches readelf`, () => {
    const units = readCompileUnits(load(name)).value!;
    const readelf = run('readelf', ['--debug-dump=info', fixtures().files[name]]);
    const producers = [...readelf.matchAll(/DW_AT_producer\s*:\s*(?:\(indirect (?:line )?string, offset: [0-9a-fx]+\): )?(.*)/g)].map((m) => m[1].trim());
    assert.deepEqual(
      units.map((u) => u.producer),
      producers,
    );
  });
}

test('a file without debug information has no rows and no units', () => {
  const elf = load('plain.o');
  assert.deepEqual(readDebugLines(elf), { value: [], problems: [] });
  assert.deepEqual(readCompileUnits(elf), { value: [], problems: [] });
});
