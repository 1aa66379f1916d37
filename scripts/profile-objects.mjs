// Single-thread profile of the object path: analyzes the benchmark's kernel modules (or the files
// given) one after the other on the main thread, the way one `check` worker does, and splits the
// CPU time into phases: ELF/DWARF reading, decoding (iced-x86 for the analysis, capstone for the
// text of flagged lines), lowering to the IR, the analysis engine, and printing listings (only the flagged lines of units with findings, as `check` does).
// Usage: node scripts/profile-objects.mjs [--count N] [--rounds N] [--allocations] [FILE...]
// --allocations also samples what the analysis phase allocates (V8's sampling heap profiler, every
// 4 KiB on average, counting objects that were collected too) and prints the bytes per instruction
// and the functions that allocate the most; the sampling slows the round down.
// GC pauses are also split by phase (they are included in the phase times).
// To time the phases apart, each unit is decoded and lowered whole before it is analyzed; `check`
// instead analyzes each function as it is decoded (analyzeItemsOnePass), so its GC share is lower.
// Add `node --cpu-prof --cpu-prof-dir=DIR scripts/profile-objects.mjs` for a V8 profile; its
// "(garbage collector)" node is the GC share, which the phase timers below include where it falls.
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { kernelModules } from '../test/fixtures/objects/real-objects.mjs';
import { bundleHarness } from './bundle-harness.mjs';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { count: { type: 'string', default: '310' }, rounds: { type: 'string', default: '2' }, allocations: { type: 'boolean', default: false } } });
const root = join(import.meta.dirname, '..');
const files = positionals.length > 0 ? positionals : kernelModules({ root, count: Number(values.count) });

// The phases are the core's own functions, called in the order `analyzeElf` calls them; the
// harness is bundled from TypeScript so that it runs the same code as the CLI.
const harness = `
import { analyzeItemsOnePass } from './server/src/core/analysis/one-pass';
import { isArchive, isElf, readArchive, readCompileUnits, objectProvenance, readElf } from './server/src/core/elf/index';
import { decodeUnit, itemPieces, renderListing, unitItems } from './server/src/core/objects/listing';
import { renderLines } from './server/src/core/objects/lines';
import { createObjectDecoders } from './server/src/host/decoders';
import { meterStats } from './server/src/core/analysis/budget';
export { meterStats, analyzeItemsOnePass, itemPieces, isArchive, isElf, readArchive, readCompileUnits, objectProvenance, readElf, decodeUnit, renderLines, renderListing, unitItems, createObjectDecoders };
`;
const out = await bundleHarness(root, harness, 'profile-objects');
const core = createRequire(import.meta.url)(out);
// Both wasm modules are loaded (from beside the harness) before its directory goes.
const capstone = await core.createObjectDecoders();
rmSync(dirname(out), { recursive: true, force: true });

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const phases = { read: 0, decode: 0, lower: 0, analyze: 0, listing: 0 };
// Instructions handed to the analysis in the round (each once, however often a function is rechecked).
let instructions = 0;
// GC pauses by the phase they fall in (wall clock intervals; the decode phase is inside `lower`).
const intervals = [];
const gcByPhase = {};
const mark = (phase, from) => intervals.push([from, performance.now(), phase]);
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const phase = intervals.findLast(([from, to]) => entry.startTime >= from && entry.startTime < to)?.[2] ?? 'other';
    gcByPhase[phase] = (gcByPhase[phase] ?? 0) + entry.duration;
  }
});
observer.observe({ entryTypes: ['gc'] });
// Decoding happens inside `unitItems` and `renderListing`; a timing wrapper moves it to its own phase.
let decodeMs = 0;
let fallbacks = 0;
const timed = (decode) => (...args) => {
  const t = cpu();
  const result = decode(...args);
  decodeMs += cpu() - t;
  return result;
};
const timedCapstone = { disassemble: timed((...args) => capstone.disassemble(...args)), decode: timed((...args) => capstone.decode(...args)) };

function unit(bytes, name) {
  let t = cpu();
  let w = performance.now();
  const read = core.readElf(bytes);
  if (read.value === undefined) return 0;
  const elf = read.value;
  const units = core.readCompileUnits(elf);
  const provenance = core.objectProvenance(elf, units.value ?? []);
  phases.read += cpu() - t;
  mark('read', w);
  t = cpu();
  w = performance.now();
  decodeMs = 0;
  const decoded = core.decodeUnit(elf, name, timedCapstone);
  const { items, lines } = core.unitItems(decoded);
  phases.lower += cpu() - t - decodeMs;
  phases.decode += decodeMs;
  mark('decode+lower', w);
  t = cpu();
  w = performance.now();
  const source = { syntax: 'objdump-intel', syntaxReason: 'profile', mode: decoded.mode === 64 ? 8 : 4 };
  for (const item of items) if (item.kind === 'insn') instructions++;
  const report = core.analyzeItemsOnePass(core.itemPieces(items), source, { buildKernel: provenance.buildKernel });
  phases.analyze += cpu() - t;
  mark('analyze', w);
  if (report.findings.length > 0) {
    t = cpu();
    w = performance.now();
    decodeMs = 0;
    // As `check` does (keepListing 'findings'): only the flagged lines, unless they cannot be.
    const wanted = new Set(report.findings.flatMap((f) => [f.line, ...f.related.map((r) => r.line)]));
    if (core.renderLines(decoded, items, lines, wanted) === undefined) {
      fallbacks++;
      core.renderListing(decoded, 'att', items);
    }
    phases.listing += cpu() - t - decodeMs;
    phases.decode += decodeMs;
    mark('listing', w);
  }
  return report.findings.length;
}

// The allocation sampler: started before a round and stopped after it; only what was allocated
// under `analyzeItemsOnePass` (the analysis phase) is counted.
let session;
if (values.allocations) {
  const { Session } = await import('node:inspector/promises');
  session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
}

function analysisAllocations(profile) {
  const bySite = new Map();
  let total = 0;
  const walk = (node, inside) => {
    const here = inside || node.callFrame.functionName === 'analyzeItemsOnePass';
    if (here) {
      total += node.selfSize;
      const site = node.callFrame.functionName || '(anonymous)';
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, here);
  };
  walk(profile.head, false);
  return { total, bySite };
}

for (let round = 0; round < Number(values.rounds); round++) {
  if (session !== undefined) await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  instructions = 0;
  for (const key of Object.keys(phases)) phases[key] = 0;
  for (const key of Object.keys(gcByPhase)) delete gcByPhase[key];
  fallbacks = 0;
  intervals.length = 0;
  const start = cpu();
  let findings = 0;
  for (const file of files) {
    const t = cpu();
    const w = performance.now();
    const bytes = readFileSync(file);
    phases.read += cpu() - t;
    mark('read', w);
    if (core.isArchive(bytes)) {
      const archive = core.readArchive(bytes);
      for (const member of archive.value ?? []) if (core.isElf(member.data)) findings += unit(member.data, member.name);
    } else if (core.isElf(bytes)) findings += unit(bytes, file);
  }
  const total = cpu() - start;
  const parts = Object.entries(phases).map(([key, ms]) => `${key} ${(ms / 1000).toFixed(2)} s`);
  console.log(`round ${round + 1}: ${files.length} files, ${findings} findings (${fallbacks} whole listings), CPU ${(total / 1000).toFixed(2)} s: ${parts.join(', ')}`);
  // The observer reports asynchronously: let it run before reading its totals.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const meter = core.meterStats;
  console.log(`  analysis work (budget.ts units): ${(meter.units / Math.max(1, meter.instructions)).toFixed(1)} per instruction stepped over ${meter.functions} function analyses, at most ${meter.mostPerInstruction.toFixed(1)} in one function`);
  console.log(`  GC pauses by phase: ${Object.entries(gcByPhase).map(([phase, ms]) => `${phase} ${(ms / 1000).toFixed(2)} s`).join(', ')}`);
  console.log(`  analysis CPU per instruction: ${((phases.analyze * 1000) / Math.max(1, instructions)).toFixed(2)} µs over ${instructions} instructions`);
  if (session !== undefined) {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    const { total, bySite } = analysisAllocations(profile);
    const top = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([site, bytes]) => `${site} ${(bytes / Math.max(1, instructions)).toFixed(0)}`);
    console.log(`  analysis allocations (sampled): ${(total / 1e6).toFixed(0)} MB, ${(total / Math.max(1, instructions)).toFixed(0)} bytes per instruction; by function, bytes per instruction: ${top.join(', ')}`);
  }
}
capstone.close();
