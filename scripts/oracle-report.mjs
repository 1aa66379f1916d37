// Prints the differential oracle's precision/recall table without asserting anything, and
// writes the full report (every false positive and negative) to .cache/oracle/report.md.
// Usage: node scripts/oracle-report.mjs [--cli PATH]   (build dist/cli.js first: node esbuild.mjs)
// The first run downloads the pinned C sources and compiles them (about 80 s on 2 cores).

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runOracle } from '../test/oracle/report.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const at = process.argv.indexOf('--cli');
const cli = at >= 0 ? process.argv[at + 1] : 'dist/cli.js';

try {
  const { table, reportPath, scored } = await runOracle({ root, cli, log: (line) => console.error(line) });
  console.log(table);
  console.log(
    `\n${scored.falsePositives.length} false positives, ${scored.falseNegatives.length} false negatives, ` +
      `${scored.noRedZoneFlags.length} flags in -mno-red-zone builds; details in ${reportPath}`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
}
