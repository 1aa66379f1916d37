// Linux alternatives on real kernel modules: analyzes the benchmark's modules (or every module of
// the package with --count all) on one thread, as `check` does, and prints how many
// `.altinstructions` entries there are, how many replacements were analyzed inside the function
// they patch, how many entries could not be read, and the findings by code (red-zone findings must
// stay 0 on Kbuild's -mno-red-zone modules; stack-unknown is compared with a run of the main
// branch's `check`).
// Usage: node scripts/alternatives-sweep.mjs [--count N|all] [FILE...]
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { kernelModules } from '../test/fixtures/objects/real-objects.mjs';
import { bundleHarness } from './bundle-harness.mjs';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { count: { type: 'string', default: '310' } } });
const root = join(import.meta.dirname, '..');
const files = positionals.length > 0 ? positionals : kernelModules({ root, count: values.count === 'all' ? 'all' : Number(values.count) });
const harness = `
import { analyzeObject } from './server/src/core/objects/index';
import { createObjectDecoders } from './server/src/host/decoders';
export { analyzeObject, createObjectDecoders };
`;
const out = await bundleHarness(root, harness, 'alternatives-sweep');
const core = createRequire(import.meta.url)(out);
const decoders = await core.createObjectDecoders();
rmSync(dirname(out), { recursive: true, force: true });

const totals = { modules: 0, withAlternatives: 0, entries: 0, analyzed: 0, unreadable: 0, errors: 0 };
const codes = {};
const problems = new Map();
for (const file of files) {
  const result = core.analyzeObject(new Uint8Array(readFileSync(file)), file, decoders, { keepListing: 'findings' });
  for (const unit of result.units) {
    totals.modules++;
    if (unit.error !== undefined) totals.errors++;
    const counts = unit.alternatives;
    if (counts !== undefined) {
      totals.withAlternatives++;
      totals.entries += counts.entries;
      totals.analyzed += counts.analyzed;
      totals.unreadable += counts.unreadable;
    }
    for (const finding of unit.report?.findings ?? []) codes[finding.code] = (codes[finding.code] ?? 0) + 1;
    for (const problem of unit.report?.problems ?? []) if (/altinstr/.test(problem.message)) problems.set(problem.message, (problems.get(problem.message) ?? 0) + 1);
  }
}
decoders.close();
console.log(`${totals.modules} modules (${totals.errors} unreadable), ${totals.withAlternatives} with .altinstructions: ${totals.entries} entries placed in code, ` +
  `${totals.analyzed} replacements analyzed inside the function they patch, ${totals.unreadable} entries unreadable (stack-unknown there), ` +
  `${totals.entries - totals.analyzed - totals.unreadable} outside every function`);
console.log(`findings by code: ${JSON.stringify(codes)}`);
for (const [message, count] of problems) console.log(`  problem (${count}x): ${message}`);
