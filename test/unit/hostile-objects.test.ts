/**
 * Issue 11, item 23: objects whose section headers repeat (the same code named by thousands of
 * headers), truncated or bit-flipped. `check` ran past 25 s, `layout` printed 1.2 million lines and
 * `disasm` grew past 2.6 GB, because each header's bytes were decoded again. Each byte range is now
 * decoded once, so the listing, and the work behind it, is bounded by the file's size: at most one
 * listing line per byte of the file, whatever the headers say.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { analyzeObject, disassembleObject } from '../../server/src/core/objects/index';
import { createCapstoneDisassembler, type CapstoneDisassembler } from '../../server/src/host/capstone';
import { withRepeatedHeaders } from '../fixtures/objects/mutate.mjs';

let dir = '';
let capstone: CapstoneDisassembler;
let object: Uint8Array;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'redzone-hostile-objects-'));
  capstone = await createCapstoneDisassembler();
  execFileSync('gcc', ['-O2', '-g', '-c', '-w', join(process.cwd(), 'test', 'fixtures', 'objects', 'sample.c'), '-o', join(dir, 'sample.o')]);
  object = new Uint8Array(readFileSync(join(dir, 'sample.o')));
});
after(() => rmSync(dir, { recursive: true, force: true }));

type Mutation = { kind: 'repeat'; copies: number } | { kind: 'truncate'; keep: number } | { kind: 'flip'; flips: [number, number][] };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('repeat' as const), copies: fc.integer({ min: 1, max: 3000 }) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('flip' as const), flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 16 }) }),
);

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  if (m.kind === 'repeat') return withRepeatedHeaders(bytes, m.copies);
  if (m.kind === 'truncate') return bytes.slice(0, Math.floor(bytes.length * m.keep));
  const out = bytes.slice();
  if (out.length > 0) for (const [at, bit] of m.flips) out[at % out.length]! ^= 1 << bit;
  return out;
}

test('mutated objects: no internal error, and the listing has at most one line per byte of the file', () => {
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
      let bytes = object;
      for (const m of mutations) bytes = mutate(bytes, m);
      for (const result of [analyzeObject(bytes, 'm.o', capstone, { forcedKernel: { kernel: true, reason: 'test' } }), disassembleObject(bytes, 'm.o', capstone)]) {
        assert.ok(!/internal error/.test(result.error ?? ''), result.error);
        let lines = 0;
        for (const unit of result.units) {
          assert.ok(!/internal error/.test(unit.error ?? ''), unit.error);
          lines += unit.listing?.split('\n').length ?? 0;
        }
        assert.ok(lines <= bytes.length, `${lines} listing lines for a file of ${bytes.length} bytes`);
      }
    }),
    { numRuns: 25 },
  );
});

test('3,000 repeats of the code section headers: the code is listed once', () => {
  const repeated = withRepeatedHeaders(object, 3000);
  const once = disassembleObject(object, 'm.o', capstone).units[0]!.listing!;
  const again = disassembleObject(repeated, 'm.o', capstone).units[0]!.listing!;
  const instructions = (listing: string) => listing.split('\n').filter((line) => /^\s*[0-9a-f]+:\t/.test(line)).length;
  assert.equal(instructions(again), instructions(once));
});
