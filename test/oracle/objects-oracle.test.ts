// The differential oracle through the object path: the corpus of oracle.test.ts compiled with
// `-c -g` to `.o` by gcc and clang at -O0, -O1, -O2 and -Os, with and without -mno-red-zone
// (test/fixtures/objects/objects-oracle.mjs), analyzed by `check --kernel` on the objects and
// scored against the same ground truth. The whole corpus is used, not a subset: the objects are
// cached in .cache/oracle-objects, so only the first run compiles (272 `.s` and 272 `.o`).
//
// Asserts, for every compiler x level: precision and recall of "this function uses the red zone"
// of at least 0.99 (a red-zone function reported stack-unknown is not counted as missed), no function flagged in any -mno-red-zone object, no file error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runObjectsOracle } from '../fixtures/objects/objects-oracle.mjs';

test('differential oracle through objects: precision and recall per compiler and level', { timeout: 15 * 60_000 }, async () => {
  const { scored, table } = await runObjectsOracle({ root: process.cwd(), log: (line) => console.log(line) });
  console.log(`\n${table}\n`);
  const problems: string[] = [];
  for (const row of scored.table) {
    const name = `${row.compiler} ${row.level} objects`;
    if (row.precision < 0.99) problems.push(`${name}: precision ${row.precision.toFixed(4)} (${row.fp} false positives)`);
    if (row.decidedRecall < 0.99) problems.push(`${name}: recall ${row.decidedRecall.toFixed(4)} (${row.fn - row.fnUnknown} false negatives not reported stack-unknown)`);
    if (row.noRedZoneFlagged > 0) problems.push(`${name}: ${row.noRedZoneFlagged} functions flagged in -mno-red-zone objects`);
  }
  for (const item of scored.inputMismatches) problems.push(`${item.file}: input should be elf64, the CLI said ${item.input}`);
  for (const item of scored.fileErrors) problems.push(`${item.file}: ${item.error}`);
  const at = (i: { function: string; file: string; line: number }) => `${i.function} in ${i.file}:${i.line}`;
  for (const i of scored.falsePositives.slice(0, 20)) problems.push(`false positive: ${at(i)} (${i.code})`);
  for (const i of scored.falseNegatives.filter((n) => !n.unknown).slice(0, 20)) problems.push(`false negative: ${at(i)}`);
  for (const i of scored.noRedZoneFlags.slice(0, 20)) problems.push(`flagged in -mno-red-zone: ${at(i)} (${i.code})`);
  if (problems.length > 0) assert.fail(`objects oracle failures:\n${problems.slice(0, 60).join('\n')}`);
});
