/**
 * The ELF and ar readers against binutils: sections against `readelf -SW`, symbols against
 * `readelf -sW`, relocations against `readelf -rW`, archive members against `ar t`, and build
 * provenance from `.GCC.command.line` and `DW_AT_producer`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readArchive } from '../../server/src/core/elf/ar';
import { readCompileUnits } from '../../server/src/core/elf/dwarf-line';
import { functionSymbols, readElf, relocationInRange, relocationsFor, SHN, type ElfFile } from '../../server/src/core/elf/elf';
import { objectProvenance } from '../../server/src/core/elf/provenance';
import { fixtures, run } from '../fixtures/elf/build';

const ALL = ['dwarf5.o', 'dwarf4.o', 'dwarf2.o', 'dwarf5', 'dwarf4', 'nored.o', 'switches.o', 'plain.o', 'shared.so', 'f32.o', 'f32g.o', 'fake.ko'];

function load(name: string): ElfFile {
  const result = readElf(fixtures().read(name));
  assert.equal(result.error, undefined, result.error);
  assert.deepEqual(result.problems, []);
  return result.value!;
}

/** Drops symbol versions, which readelf appends to .dynsym names (`puts@GLIBC_2.2.5 (2)`). */
const strip = (name: string) => name.replace(/@.*$/, '').trim();

for (const name of ALL) {
  test(`sections of ${name} match readelf -SW`, () => {
    const elf = load(name);
    const expected = [...run('readelf', ['-SW', fixtures().files[name]]).matchAll(/^\s*\[\s*(\d+)\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)/gm)].map(
      (m) => `${m[1]} ${m[2]} ${parseInt(m[3], 16)} ${parseInt(m[4], 16)}`,
    );
    expected.shift(); // readelf's regex above reads section 0's type as its name
    const actual = elf.sections.filter((s) => s.index > 0).map((s) => `${s.index} ${s.name} ${s.offset} ${s.size}`);
    assert.deepEqual(actual, expected);
  });

  test(`symbols of ${name} match readelf -sW`, () => {
    const elf = load(name);
    const out = run('readelf', ['-sW', fixtures().files[name]]);
    // readelf prints .dynsym before .symtab; split its output by table.
    for (const [table, symbols] of [['.dynsym', elf.dynamicSymbols], ['.symtab', elf.symbols]] as const) {
      const start = out.indexOf(`Symbol table '${table}'`);
      if (start < 0) {
        assert.equal(symbols.length, 0, `${table} absent`);
        continue;
      }
      const next = out.indexOf("Symbol table '", start + 1);
      const block = out.slice(start, next < 0 ? undefined : next);
      const expected = [...block.matchAll(/^\s*(\d+): ([0-9a-f]+)\s+(\S+) (\S+)\s+(\S+)\s+\S+\s+(\S+) ?(.*)$/gm)].map(
        (m) => `${m[1]} ${BigInt('0x' + m[2])} ${m[3].startsWith('0x') ? Number(m[3]) : Number(m[3])} ${m[4]} ${m[5]} ${m[6]} ${strip(m[7])}`,
      );
      const ndx = (i: number) => (i === SHN.UNDEF ? 'UND' : i === SHN.ABS ? 'ABS' : i === SHN.COMMON ? 'COM' : String(i));
      const actual = symbols.map(
        (s) =>
          `${s.index} ${BigInt.asUintN(elf.bits, BigInt(s.value))} ${s.size} ${s.type === 'func' ? 'FUNC' : s.type.toUpperCase()} ${s.binding.toUpperCase()} ${ndx(s.sectionIndex)} ${
            s.type === 'section' && s.name === '' ? elf.sections[s.sectionIndex].name : strip(s.name)
          }`,
      );
      assert.deepEqual(actual, expected, table);
    }
  });

  test(`relocations of ${name} match readelf -rW`, () => {
    const elf = load(name);
    const out = run('readelf', ['-rW', fixtures().files[name]]);
    const expected: string[] = [];
    let rela = false;
    for (const line of out.split('\n')) {
      const header = /^Relocation section '(\S+)'/.exec(line);
      if (header) rela = header[1].startsWith('.rela');
      const m = /^([0-9a-f]{8,16})\s+[0-9a-f]+\s+(R_\S+)\s*(?:[0-9a-f]+\s+)?(.*)$/.exec(line);
      if (!m) continue;
      // "sym + 4", "sym - 4", a bare addend (no symbol), or just "sym" for .rel sections.
      const rest = m[3].trim();
      const withSym = /^(\S+) ([+-]) ([0-9a-f]+)$/.exec(rest);
      const described = withSym
        ? `${strip(withSym[1])} ${withSym[2] === '-' ? -parseInt(withSym[3], 16) : parseInt(withSym[3], 16)}`
        : rela && /^[0-9a-f]+$/.test(rest)
          ? ` ${parseInt(rest, 16)}`
          : strip(rest);
      expected.push(`${BigInt('0x' + m[1])} ${m[2]} ${described}`);
    }
    // readelf lists relocation sections in file order; ours are grouped by target, so compare sorted.
    const actual = [...elf.relocations.values()]
      .flat()
      .map((r) => `${BigInt.asUintN(elf.bits, BigInt(r.offset))} ${r.typeName} ${elf.bits === 64 ? `${r.symbolName} ${r.addend}` : r.symbolName}`);
    assert.deepEqual([...actual].sort(), [...expected].sort());
  });
}

test('a call to an external function in a .o resolves through its relocation', () => {
  const elf = load('plain.o');
  const text = elf.sections.find((s) => s.name === '.text')!;
  const relocs = relocationsFor(elf, text.index);
  const add = functionSymbols(elf).find((f) => f.name === 'add')!;
  const inAdd = relocs.filter((r) => r.offset >= add.value && r.offset < add.value + add.size).map((r) => r.symbolName);
  assert.ok(inAdd.includes('panic'), inAdd.join(', '));
  // -fstack-protector-all: every function ends in a call to __stack_chk_fail.
  const fail = relocs.find((r) => r.symbolName === '__stack_chk_fail')!;
  assert.equal(text.data[fail.offset - 1], 0xe8, 'the relocation patches a call rel32');
  assert.equal(relocationInRange(relocs, fail.offset - 1, fail.offset + 4), fail);
  assert.equal(relocationInRange(relocs, fail.offset + 4, fail.offset + 5)?.offset === fail.offset, false);
});

test('i386 .rel relocations carry the implicit addend from the patched bytes', () => {
  const elf = load('f32.o');
  assert.equal(elf.bits, 32);
  assert.equal(elf.machine, 'i386');
  const data = elf.sections.find((s) => s.name === '.data')!;
  const relocs = relocationsFor(elf, data.index);
  assert.deepEqual(
    relocs.map((r) => [r.offset, r.typeName, r.symbolName, r.addend]),
    [
      [0, 'R_386_32', 'f32', 0],
      [4, 'R_386_32', 'ext32', 8],
    ],
  );
  assert.deepEqual(functionSymbols(elf).map((f) => [f.name, f.size]), [['f32', 19]]);
});

test('function symbols are STT_FUNC with sizes, sorted by section and address', () => {
  const elf = load('dwarf5.o');
  const funcs = functionSymbols(elf);
  assert.deepEqual(funcs.map((f) => f.name).sort(), ['add', 'helper', 'leaf', 'main', 'panic', 'sum'].filter((n) => elf.symbols.some((s) => s.name === n && s.type === 'func')).sort());
  for (const f of funcs) assert.ok(f.size > 0 && elf.sections[f.sectionIndex].name.startsWith('.text'));
});

test('archive members match ar t and the original files', () => {
  const { files, dir } = fixtures();
  const archive = readArchive(new Uint8Array(readFileSync(files['lib.a'])));
  assert.equal(archive.error, undefined);
  assert.deepEqual(archive.problems, []);
  const names = run('ar', ['t', files['lib.a']]).trim().split('\n');
  assert.deepEqual(archive.value!.map((m) => m.name), names);
  for (const m of archive.value!) assert.deepEqual(m.data, new Uint8Array(readFileSync(join(dir, m.name))));
  assert.ok(names.includes('a_member_with_a_rather_long_name.o'));
});

test('BSD archives with #1/NN names', () => {
  const member = new TextEncoder().encode('hello');
  const name = 'long_bsd_member_name.o';
  const header = (n: string, size: number) => `${n.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'644'.padEnd(8)}${String(size).padEnd(10)}\`\n`;
  const text = `!<arch>\n${header(`#1/${name.length}`, name.length + member.length)}${name}hello\n${header('short.o/', 3)}abc\n`;
  const result = readArchive(new TextEncoder().encode(text));
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.value!.map((m) => [m.name, new TextDecoder().decode(m.data)]), [
    [name, 'hello'],
    ['short.o', 'abc'],
  ]);
});

test('provenance: -frecord-gcc-switches with -mno-red-zone', () => {
  const elf = load('switches.o');
  const p = objectProvenance(elf, readCompileUnits(elf).value);
  assert.equal(p.noRedZone, true);
  assert.equal(p.noRedZoneReason, 'the .GCC.command.line section records -mno-red-zone');
  assert.equal(p.kernelModule, false);
  assert.equal(p.buildKernel?.kernel, true);
});

test('provenance: DW_AT_producer with and without -mno-red-zone, and no evidence at all', () => {
  const nored = load('nored.o');
  const p = objectProvenance(nored, readCompileUnits(nored).value);
  assert.equal(p.noRedZone, true);
  assert.equal(p.noRedZoneReason, 'DW_AT_producer records -mno-red-zone');
  const user = load('dwarf4.o');
  const q = objectProvenance(user, readCompileUnits(user).value);
  assert.equal(q.noRedZone, false);
  assert.equal(q.buildKernel, undefined);
  const plain = load('plain.o');
  const r = objectProvenance(plain, readCompileUnits(plain).value);
  assert.equal(r.noRedZone, undefined);
  assert.match(r.noRedZoneReason, /unknown/);
});

test('provenance: .modinfo and __this_module mark a kernel module', () => {
  const elf = load('fake.ko');
  const p = objectProvenance(elf, readCompileUnits(elf).value);
  assert.equal(p.kernelModule, true);
  assert.equal(p.kernelModuleReason, 'the .modinfo section and __this_module mark a Linux kernel module');
  assert.deepEqual(p.buildKernel, { kernel: true, reason: 'the .modinfo section and __this_module mark a Linux kernel module' });
  assert.equal(p.noRedZone, undefined);
});
