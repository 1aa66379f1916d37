/**
 * Hostile input: real objects and archives truncated, bit-flipped, and with counts, offsets and
 * lengths inflated. Every reader must return a value or a clear error, never throw, never loop
 * without end, and never fall back on its internal-error safety net (which would mean a bug).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { readArchive } from '../../server/src/core/elf/ar';
import { lineLookup, readCompileUnits, readDebugLines } from '../../server/src/core/elf/dwarf-line';
import { findSection, functionSymbols, readElf, relocationInRange, relocationsFor } from '../../server/src/core/elf/elf';
import { objectProvenance } from '../../server/src/core/elf/provenance';
import { analyzeObject, type ObjectOptions } from '../../server/src/core/objects/index';
import { createCapstoneDisassembler, type CapstoneDisassembler } from '../../server/src/host/capstone';
import { fixtures } from '../fixtures/elf/build';

// REDZONE_FUZZ_RUNS raises the count for a longer local hunt; the default keeps `npm test` quick.
const RUNS = Number(process.env.REDZONE_FUZZ_RUNS ?? 150);
const NAMES = ['dwarf5.o', 'dwarf4.o', 'dwarf2.o', 'dwarf5', 'f32g.o', 'shared.so'] as const;

/** Runs every reader over `bytes` and checks the result contract. */
function readEverything(bytes: Uint8Array): void {
  const checked = <T>(what: string, r: { value: T | undefined; error?: string; problems: readonly string[] }): T | undefined => {
    if (r.value === undefined) {
      assert.equal(typeof r.error, 'string', `${what}: a failed read says why`);
      assert.ok(r.error!.length > 0);
    }
    for (const message of [r.error ?? '', ...r.problems]) assert.ok(!message.startsWith('internal error'), `${what}: ${message}`);
    return r.value;
  };
  const elf = checked('readElf', readElf(bytes));
  if (elf) {
    const units = checked('readCompileUnits', readCompileUnits(elf));
    const lines = checked('readDebugLines', readDebugLines(elf));
    objectProvenance(elf, units ?? []);
    functionSymbols(elf);
    for (const s of elf.sections) relocationInRange(relocationsFor(elf, s.index), 0, 16);
    if (lines) lineLookup(lines)(1, 0);
  }
  const archive = checked('readArchive', readArchive(bytes));
  if (archive) for (const m of archive) checked('readElf(member)', readElf(m.data));
}

function write(bytes: Uint8Array, at: number, value: bigint, size: number): void {
  for (let i = 0; i < size && at + i < bytes.length; i++) bytes[at + i] = Number((value >> BigInt(8 * i)) & 0xffn);
}

const hugeValue = fc.oneof(
  fc.constantFrom(0n, 1n, 0x7fn, 0xffffn, 0xfffffff0n, 0xffffffffn, 0x7fffffffffffffffn, 0xffffffffffffffffn),
  fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
);

test('pristine fixtures read without problems', () => {
  for (const name of [...NAMES, 'lib.a'] as const) readEverything(fixtures().read(name));
});

test('truncated files', () => {
  const files = NAMES.map((n) => fixtures().read(n));
  fc.assert(
    fc.property(fc.nat(files.length - 1), fc.double({ min: 0, max: 1, noNaN: true }), (which, fraction) => {
      const file = files[which];
      readEverything(file.subarray(0, Math.floor(file.length * fraction)));
    }),
    { numRuns: RUNS },
  );
});

test('bit flips anywhere', () => {
  const files = NAMES.map((n) => fixtures().read(n));
  fc.assert(
    fc.property(fc.nat(files.length - 1), fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(7)), { minLength: 1, maxLength: 40 }), (which, flips) => {
      const copy = files[which].slice();
      for (const [where, bit] of flips) copy[Math.floor(where * (copy.length - 1))] ^= 1 << bit;
      readEverything(copy);
    }),
    { numRuns: RUNS },
  );
});

test('inflated ELF header and section header fields', () => {
  const files = NAMES.map((n) => fixtures().read(n));
  // [offset within the header or entry, size] for ELF64 and ELF32.
  const ehdr = { 64: [[40, 8], [58, 2], [60, 2], [62, 2]], 32: [[32, 4], [46, 2], [48, 2], [50, 2]] } as const; // shoff, shentsize, shnum, shstrndx
  const shdr = { 64: [[4, 4], [24, 8], [32, 8], [40, 4], [44, 4], [56, 8]], 32: [[4, 4], [16, 4], [20, 4], [24, 4], [28, 4], [36, 4]] } as const; // type, offset, size, link, info, entsize
  fc.assert(
    fc.property(fc.nat(files.length - 1), fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.nat(), hugeValue), { minLength: 1, maxLength: 6 }), (which, edits) => {
      const copy = files[which].slice();
      const elf = readElf(files[which]).value!;
      const bits = elf.bits;
      const shoff = Number(bits === 64 ? new DataView(copy.buffer).getBigUint64(40, true) : new DataView(copy.buffer).getUint32(32, true));
      for (const [inHeader, pick, section, value] of edits) {
        if (inHeader) {
          const [at, size] = ehdr[bits][pick % ehdr[bits].length];
          write(copy, at, value, size);
        } else {
          const [at, size] = shdr[bits][pick % shdr[bits].length];
          const entry = shoff + (section % elf.sections.length) * (bits === 64 ? 64 : 40);
          write(copy, entry + at, value, size);
        }
      }
      readEverything(copy);
    }),
    { numRuns: RUNS * 2 },
  );
});

test('inflated symbol, relocation and DWARF lengths and counts', () => {
  const files = NAMES.map((n) => fixtures().read(n));
  const targets = ['.symtab', '.dynsym', '.rela.text', '.rel.text', '.debug_line', '.debug_info', '.debug_abbrev', '.rela.debug_line', '.rel.debug_line', '.debug_str', '.debug_line_str'];
  fc.assert(
    fc.property(
      fc.nat(files.length - 1),
      fc.array(fc.tuple(fc.constantFrom(...targets), fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(1, 2, 4, 8), hugeValue), { minLength: 1, maxLength: 8 }),
      (which, edits) => {
        const copy = files[which].slice();
        const elf = readElf(files[which]).value!;
        for (const [name, where, size, value] of edits) {
          const section = findSection(elf, name);
          if (!section || section.size === 0) continue;
          // Unit lengths sit at the start of a unit; aim there half of the time.
          const at = section.offset + (where < 0.5 ? 0 : Math.floor(where * section.size));
          write(copy, at, value, size);
        }
        readEverything(copy);
      },
    ),
    { numRuns: RUNS * 2 },
  );
});

test('ar archives with inflated sizes, damaged names and truncation', () => {
  const archive = fixtures().read('lib.a');
  const members = readArchive(archive).value!;
  const headers = [8, ...members.map((m) => m.headerOffset)];
  fc.assert(
    fc.property(
      fc.constantFrom(...headers),
      fc.constantFrom(0, 48), // name or size field
      fc.string({ maxLength: 16 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (header, field, text, cut) => {
        const copy = archive.slice(0, Math.max(8, Math.floor(archive.length * (0.5 + cut / 2))));
        for (let i = 0; i < text.length && header + field + i < copy.length; i++) copy[header + field + i] = text.charCodeAt(i) & 0xff;
        readEverything(copy);
      },
    ),
    { numRuns: RUNS },
  );
});

test('hostile sizes give clear errors', () => {
  assert.match(readElf(new Uint8Array(0)).error!, /not an ELF file/);
  assert.match(readElf(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1])).error!, /truncated/);
  const file = fixtures().read('dwarf5.o').slice();
  write(file, 40, 0xffffffffffffn, 8); // e_shoff far beyond the file
  assert.match(readElf(file).error!, /section header table offset .* is outside the file/);
  const big = fixtures().read('dwarf5.o').slice();
  write(big, 60, 0xffffn, 2); // e_shnum
  const r = readElf(big);
  assert.ok(r.problems.some((p) => /e_shnum says 65535 sections/.test(p)), r.problems.join('; '));
  const ar = new TextEncoder().encode(`!<arch>\nx.o/            0           0     0     644     9999999999\`\nabc`);
  assert.match(readArchive(ar).problems.join(' '), /claims 9999999999 bytes/);
});

let capstone: CapstoneDisassembler;
before(async () => {
  capstone = await createCapstoneDisassembler();
});

/**
 * The whole object path over damaged files: decoding, the function-by-function analysis, its
 * second walk, DWARF lines and the listing. Its safety net turns an exception into an
 * "internal error" message, so such a message is a bug here, in either listing mode.
 */
function analyzeEverything(bytes: Uint8Array): number {
  let analyzed = 0;
  for (const keepListing of ['findings', 'always'] as const) {
    const options: ObjectOptions = { keepListing, forcedKernel: { kernel: true, reason: 'the test' } };
    const report = analyzeObject(bytes, 'damaged.o', capstone, options);
    for (const message of [report.error ?? '', ...report.units.map((u) => u.error ?? '')]) assert.ok(!message.startsWith('internal error'), `${keepListing}: ${message}`);
    analyzed += report.units.filter((u) => u.report !== undefined && u.report.functions.length > 0).length;
  }
  return analyzed;
}

test('the object analysis of truncated and bit-flipped files reports no internal error', () => {
  const files = [...NAMES, 'lib.a'].map((n) => fixtures().read(n as (typeof NAMES)[number]));
  for (const file of files) assert.ok(analyzeEverything(file) > 0, 'the pristine files have functions');
  let analyzed = 0;
  fc.assert(
    fc.property(
      fc.nat(files.length - 1),
      fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
      fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(7)), { maxLength: 20 }),
      (which, keep, flips) => {
        const copy = files[which].slice(0, Math.max(64, Math.floor(files[which].length * keep)));
        for (const [where, bit] of flips) copy[Math.floor(where * (copy.length - 1))] ^= 1 << bit;
        analyzed += analyzeEverything(copy);
      },
    ),
    { numRuns: Math.ceil(RUNS / 3) },
  );
  // Damage that stops every file at the ELF header would test nothing past it.
  assert.ok(analyzed > 0, 'some damaged files were still analyzed');
});
