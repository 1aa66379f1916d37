// Single-thread profile of the object path: analyzes the benchmark's kernel modules (or the files
// given) one after the other on the main thread, the way one `check` worker does, and splits the
// CPU time into phases: ELF/DWARF reading, capstone decoding, lowering to the IR, the analysis
// engine, and printing listings (only for units with findings, as `check` does).
// Usage: node scripts/profile-objects.mjs [--count N] [--rounds N] [FILE...]
// Add `node --cpu-prof --cpu-prof-dir=DIR scripts/profile-objects.mjs` for a V8 profile; its
// "(garbage collector)" node is the GC share, which the phase timers below include where it falls.
import * as esbuild from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kernelModules } from '../test/fixtures/objects/real-objects.mjs';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { count: { type: 'string', default: '310' }, rounds: { type: 'string', default: '2' } } });
const root = join(import.meta.dirname, '..');
const files = positionals.length > 0 ? positionals : kernelModules({ root, count: Number(values.count) });

// The phases are the core's own functions, called in the order `analyzeElf` calls them; the
// harness is bundled from TypeScript so that it runs the same code as the CLI.
const harness = `
import { analyzeParsed } from './server/src/core/analysis/analyze';
import { isArchive, isElf, readArchive, readCompileUnits, objectProvenance, readElf } from './server/src/core/elf/index';
import { decodeUnit, renderListing, unitItems } from './server/src/core/objects/listing';
import { createCapstoneDisassembler } from './server/src/host/capstone';
export { analyzeParsed, isArchive, isElf, readArchive, readCompileUnits, objectProvenance, readElf, decodeUnit, renderListing, unitItems, createCapstoneDisassembler };
`;
const scratch = mkdtempSync(join(tmpdir(), 'profile-objects-'));
const out = join(scratch, 'harness.cjs');
await esbuild.build({ stdin: { contents: harness, resolveDir: root, loader: 'ts' }, bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'warning' });
const core = createRequire(import.meta.url)(out);
rmSync(scratch, { recursive: true, force: true });

const capstone = await core.createCapstoneDisassembler();
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const phases = { read: 0, decode: 0, lower: 0, analyze: 0, listing: 0 };
// Decoding happens inside `unitItems` and `renderListing`; a timing wrapper moves it to its own phase.
let decodeMs = 0;
const timedCapstone = {
  disassemble(code, address, mode) {
    const t = cpu();
    const result = capstone.disassemble(code, address, mode);
    decodeMs += cpu() - t;
    return result;
  },
};

function unit(bytes, name) {
  let t = cpu();
  const read = core.readElf(bytes);
  if (read.value === undefined) return 0;
  const elf = read.value;
  const units = core.readCompileUnits(elf);
  const provenance = core.objectProvenance(elf, units.value ?? []);
  phases.read += cpu() - t;
  t = cpu();
  decodeMs = 0;
  const decoded = core.decodeUnit(elf, name, timedCapstone);
  const { items } = core.unitItems(decoded);
  phases.lower += cpu() - t - decodeMs;
  phases.decode += decodeMs;
  t = cpu();
  const parsed = { syntax: 'objdump-intel', syntaxReason: 'profile', items, comments: [], problems: [] };
  const report = core.analyzeParsed(parsed, '', { buildKernel: provenance.buildKernel });
  phases.analyze += cpu() - t;
  if (report.findings.length > 0) {
    t = cpu();
    decodeMs = 0;
    core.renderListing(decoded, 'att', items);
    phases.listing += cpu() - t - decodeMs;
    phases.decode += decodeMs;
  }
  return report.findings.length;
}

for (let round = 0; round < Number(values.rounds); round++) {
  for (const key of Object.keys(phases)) phases[key] = 0;
  const start = cpu();
  let findings = 0;
  for (const file of files) {
    const t = cpu();
    const bytes = readFileSync(file);
    phases.read += cpu() - t;
    if (core.isArchive(bytes)) {
      const archive = core.readArchive(bytes);
      for (const member of archive.value ?? []) if (core.isElf(member.data)) findings += unit(member.data, member.name);
    } else if (core.isElf(bytes)) findings += unit(bytes, file);
  }
  const total = cpu() - start;
  const parts = Object.entries(phases).map(([key, ms]) => `${key} ${(ms / 1000).toFixed(2)} s`);
  console.log(`round ${round + 1}: ${files.length} files, ${findings} findings, CPU ${(total / 1000).toFixed(2)} s: ${parts.join(', ')}`);
}
capstone.close();
