// The differential oracle: the analyzer's headline accuracy against real C that no one here
// wrote (libexpat, liblmdb, lz4 and Argon2, vendored in pinned npm packages).
//
// How to run:
//   npm test -- oracle                 (builds dist/cli.js, runs this test and the splitter's test)
//   node scripts/oracle-report.mjs     (the same table without asserting; run `node esbuild.mjs` first)
// It needs gcc and clang on PATH (`apt-get install -y clang`) and the npm registry for the first
// run. Sources, the 544 compiled `.s` files and truth.json are cached in .cache/oracle, so only
// the first run compiles (about 80 s on 2 cores); later runs take a few seconds plus the CLI.
// The table goes to stdout and, with every false positive and false negative (function and
// file:line), to .cache/oracle/report.md. The ground truth itself is in .cache/oracle/truth.json.
// A function whose code differs only by a frame adjustment that it never addresses through
// %rsp or %rbp (gcc does this) is not counted as red-zone use; see asm-functions.mjs.
//
// REDZONE_ORACLE_CLI=path runs another build of the CLI instead of dist/cli.js.
//
// What it asserts, for every compiler x level x syntax: precision and recall of "this function
// uses the red zone" are at least 0.99, where a red-zone function the CLI reports as stack-unknown
// (an indexed access whose index it cannot bound) is not counted as missed: it says it cannot tell; no function is flagged in any -mno-red-zone build; the
// CLI recognises AT&T builds as `att` and Intel builds as `intel`; no file fails to load.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runOracle } from './report.mjs';

const MIN_PRECISION = 0.99;
const MIN_RECALL = 0.99;

test('differential oracle: precision and recall per compiler, level and syntax', { timeout: 15 * 60_000 }, async () => {
  const root = process.cwd();
  const { scored, table, reportPath } = await runOracle({
    root,
    log: (line) => console.log(line),
    cli: process.env.REDZONE_ORACLE_CLI ?? 'dist/cli.js',
  });
  console.log(`\n${table}\n\nfull report: ${reportPath}\n`);

  const problems: string[] = [];
  for (const row of scored.table) {
    const name = `${row.compiler} ${row.level} ${row.syntax}`;
    if (row.precision < MIN_PRECISION) problems.push(`${name}: precision ${row.precision.toFixed(4)} < ${MIN_PRECISION} (${row.fp} false positives)`);
    if (row.decidedRecall < MIN_RECALL) problems.push(`${name}: recall ${row.decidedRecall.toFixed(4)} < ${MIN_RECALL} (${row.fn - row.fnUnknown} false negatives not reported stack-unknown)`);
    if (row.noRedZoneFlagged > 0) problems.push(`${name}: ${row.noRedZoneFlagged} functions flagged in the -mno-red-zone build`);
  }
  for (const item of scored.inputMismatches) problems.push(`${item.file}: input should be ${item.syntax}, the CLI said ${item.input}`);
  for (const item of scored.fileErrors) problems.push(`${item.file}: ${item.error}`);
  // Keep the assertion message short; the report lists every disagreement.
  const shown = problems.slice(0, 40);
  if (problems.length > shown.length) shown.push(`... and ${problems.length - shown.length} more`);
  if (problems.length > 0) assert.fail(`oracle failures (details in ${reportPath}):\n${shown.join('\n')}`);
});
