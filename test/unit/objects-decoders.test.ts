/**
 * Two decoders, one truth. The analysis decodes objects with iced-x86 and people read capstone's
 * text; both must say the same thing about every instruction. Every instruction of real objects
 * (a sample of the Debian kernel modules and libc.a here; all 310 modules and all of libc.a with
 * REDZONE_DECODERS_FULL=1) is decoded by both:
 * - the two sweeps cut the code at the same places (same addresses and lengths);
 * - iced's IR statement equals the IR the Intel parser reads from capstone's text (mnemonic,
 *   prefixes, operands: registers, immediates, branch targets, and memory operands with base,
 *   index, scale, displacement, segment and size), or iced defers to capstone for a known reason.
 * Disagreements are counted by kind and printed; the known ones are listed with why.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { isArchive, isElf, readArchive, readElf, type DecodedInstruction, type RawInstruction } from '../../server/src/core/elf/index';
import type { Instruction } from '../../server/src/core/ir';
import { decodeUnit } from '../../server/src/core/objects/listing';
import { lower, lowerDecoded } from '../../server/src/core/objects/lower';
import { createObjectDecoders, type ObjectDecoders } from '../../server/src/host/decoders';
import { LIBC_A, kernelModules } from '../fixtures/objects/real-objects.mjs';
import { root } from '../cli/run-cli';

let decoders: ObjectDecoders;
before(async () => {
  decoders = await createObjectDecoders();
});
after(() => decoders.close());

const FULL = process.env.REDZONE_DECODERS_FULL === '1';

const shape = (insn: Instruction) => ({ mnemonic: insn.mnemonic, prefixes: [...insn.prefixes], operands: insn.operands, unknown: insn.unknown, address: insn.address, length: insn.length });

export interface Comparison {
  compared: number;
  deferred: Map<string, number>;
  disagreements: Map<string, { count: number; example: string }>;
}

/** Decodes every executable section of `bytes` with both decoders and compares them. */
export function compareUnit(name: string, bytes: Uint8Array, into: Comparison): void {
  const elf = readElf(bytes).value;
  assert.ok(elf, name);
  const unit = decodeUnit(elf, name, decoders);
  for (const ds of unit.sections) {
    const texts = ds.decode(true);
    const icedAll: DecodedInstruction[] = [];
    for (const piece of ds.decodedPieces!()) icedAll.push(...piece);
    const byAddress = new Map<number, RawInstruction>();
    for (const raw of texts) byAddress.set(raw.address, raw);
    for (const d of icedAll) {
      const raw = byAddress.get(d.address);
      const note = (kind: string, example: string) => {
        const entry = into.disagreements.get(kind) ?? { count: 0, example: `${name} ${ds.section.name}+0x${(d.address - ds.base).toString(16)}: ${example}` };
        entry.count++;
        into.disagreements.set(kind, entry);
      };
      if (raw === undefined) {
        note('boundary: iced starts an instruction inside one of capstone\'s', `length ${d.length}`);
        continue;
      }
      if (raw.length !== d.length) {
        note(`length: ${raw.mnemonic}`, `capstone ${raw.length} bytes \`${raw.text}\`, iced ${d.length}`);
        continue;
      }
      if (d.fallback !== undefined) {
        const why = raw.mnemonic === '.byte' ? '.byte' : raw.mnemonic;
        into.deferred.set(why, (into.deferred.get(why) ?? 0) + 1);
        continue;
      }
      into.compared++;
      const mode = unit.mode;
      const fromCapstone = shape(lower(raw, 1, mode));
      const fromIced = shape(lowerDecoded(d, 1, mode, () => ''));
      try {
        assert.deepEqual(fromIced, fromCapstone);
      } catch {
        const field = (['mnemonic', 'prefixes', 'operands', 'unknown'] as const).find((k) => JSON.stringify(fromIced[k]) !== JSON.stringify(fromCapstone[k]));
        note(`${field}: ${raw.mnemonic}`, `\`${raw.text}\` capstone ${JSON.stringify(fromCapstone[field!])} iced ${JSON.stringify(fromIced[field!])}`);
      }
    }
  }
}

function units(): { name: string; bytes: Uint8Array }[] {
  const found: { name: string; bytes: Uint8Array }[] = kernelModules({ root, count: 310 })
    .filter((_, i) => FULL || i % 31 === 0)
    .map((path) => ({ name: path, bytes: new Uint8Array(readFileSync(path)) }));
  const bytes = new Uint8Array(readFileSync(LIBC_A));
  assert.ok(isArchive(bytes));
  const members = (readArchive(bytes).value ?? []).filter((member) => isElf(member.data));
  members.forEach((member, i) => {
    if (FULL || i % 20 === 0) found.push({ name: `libc.a(${member.name})`, bytes: member.data });
  });
  return found;
}

test('real objects: iced-x86 and capstone cut the code alike and give the same IR', { skip: !existsSync(LIBC_A) && 'libc6-dev is not installed' }, () => {
  const result: Comparison = { compared: 0, deferred: new Map(), disagreements: new Map() };
  for (const { name, bytes } of units()) compareUnit(name, bytes, result);
  const total = [...result.disagreements.values()].reduce((a, b) => a + b.count, 0);
  const report = [...result.disagreements].sort((a, b) => b[1].count - a[1].count).map(([kind, { count, example }]) => `${count}\t${kind}\t${example}`);
  console.log(`compared ${result.compared}, deferred ${[...result.deferred.values()].reduce((a, b) => a + b, 0)} (${[...result.deferred].map(([k, v]) => `${k} ${v}`).join(', ')}), disagreements ${total}`);
  for (const line of report.slice(0, 60)) console.log(line);
  assert.equal(total, 0, report.slice(0, 20).join('\n'));
});
