// Runs the CLI on the oracle corpus and scores it against the ground truth of corpus.mjs:
// function-level precision and recall per compiler x level x syntax, findings in -mno-red-zone
// builds, `stack-unknown` counts, and every disagreement with its function and file, so that an
// engineer can open the `.s` and see why. Shared by oracle.test.ts and scripts/oracle-report.mjs.

import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parentFunction, splitFunctions } from './asm-functions.mjs';

/** Finding codes that mean "this function uses memory below the stack pointer". */
export const FLAG_CODES = new Set(['red-zone-store', 'red-zone-load', 'below-red-zone', 'red-zone-clobbered']);

/** Splits files into batches of at most `maxBytes` (a file larger than that gets its own). */
function batches(root, files, maxBytes) {
  const out = [];
  let current = [];
  let bytes = 0;
  for (const file of files) {
    const size = statSync(resolve(root, file)).size;
    if (current.length > 0 && bytes + size > maxBytes) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function runOnce(root, cli, args) {
  return new Promise((done, fail) => {
    execFile(process.execPath, [cli, ...args], { cwd: root, maxBuffer: 1 << 30 }, (error, stdout, stderr) => {
      const status = error ? error.code : 0;
      // Exit 1 means findings and 2 an input error in some file; both still print the document.
      if (typeof status !== 'number' || status > 2) {
        fail(new Error(`node ${cli} ${args.slice(0, 4).join(' ')} ... exited with ${status}:\n${stderr.slice(0, 4000)}`));
        return;
      }
      try {
        done(JSON.parse(stdout));
      } catch {
        fail(new Error(`node ${cli} printed no JSON document (exit ${status}):\n${stderr.slice(0, 4000)}\n${stdout.slice(0, 2000)}`));
      }
    });
  });
}

/**
 * Runs `node CLI check --kernel --format json` over the files, many per invocation and `jobs`
 * invocations at a time. Returns the `files` entries and findings keyed by absolute path.
 * @param {{root: string, files: string[], cli?: string, jobs?: number, maxBytes?: number}} options
 */
export async function runCli({ root, files, cli = 'dist/cli.js', jobs = 2, maxBytes = 96 << 20 }) {
  const started = Date.now();
  const fileEntries = new Map();
  const findings = new Map();
  const queue = batches(root, files, maxBytes);
  let invocations = 0;
  const worker = async () => {
    for (let batch = queue.shift(); batch; batch = queue.shift()) {
      invocations++;
      const doc = await runOnce(root, resolve(root, cli), ['check', '--kernel', '--format', 'json', ...batch]);
      for (const entry of doc.files ?? []) fileEntries.set(resolve(root, entry.path), entry);
      for (const finding of doc.findings ?? []) {
        const path = resolve(root, finding.path);
        if (!findings.has(path)) findings.set(path, []);
        findings.get(path).push(finding);
      }
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  return { fileEntries, findings, invocations, seconds: (Date.now() - started) / 1000 };
}

/** Functions (cold parts folded) with a finding of one of the codes. */
function functionsWith(findings, codes) {
  const out = new Map();
  for (const finding of findings) {
    if (!codes.has(finding.code)) continue;
    const name = parentFunction(String(finding.function ?? ''));
    if (!out.has(name)) out.set(name, finding);
  }
  return out;
}

function functionLine(root, file, name) {
  const fn = splitFunctions(readFileSync(resolve(root, file), 'utf8')).find((f) => f.name === name);
  return fn ? fn.startLine : 0;
}

const UNKNOWN = new Set(['stack-unknown']);

/**
 * Scores CLI results against the ground truth.
 * @param {string} root
 * @param {import('./corpus.mjs').OracleBuild[]} builds
 * @param {Awaited<ReturnType<typeof runCli>>} cli
 */
export function score(root, builds, cli) {
  const rows = new Map();
  const falsePositives = [];
  const falseNegatives = [];
  const noRedZoneFlags = [];
  const unmatched = [];
  const inputMismatches = [];
  const fileErrors = [];
  for (const build of builds) {
    const key = `${build.compiler} ${build.level} ${build.syntax}`;
    if (!rows.has(key)) {
      rows.set(key, {
        compiler: build.compiler, level: build.level, syntax: build.syntax,
        flags: build.flags.filter((flag) => flag !== '-w' && !flag.startsWith('-masm')).join(' '),
        functions: 0, redZone: 0, spurious: 0, tp: 0, fp: 0, fn: 0, fnUnknown: 0, stackUnknown: 0,
        noRedZoneFlagged: 0, noRedZoneStackUnknown: 0,
      });
    }
    const row = rows.get(key);
    const where = { compiler: build.compiler, level: build.level, syntax: build.syntax, unit: build.unit };
    for (const file of [build.redZone, build.noRedZone]) {
      const entry = cli.fileEntries.get(resolve(root, file));
      if (!entry) fileErrors.push({ ...where, file, error: 'missing from the CLI output' });
      else {
        if (entry.error) fileErrors.push({ ...where, file, error: entry.error });
        if (entry.input !== build.syntax) inputMismatches.push({ ...where, file, input: entry.input });
      }
    }
    const found = cli.findings.get(resolve(root, build.redZone)) ?? [];
    const flagged = functionsWith(found, FLAG_CODES);
    const unknown = functionsWith(found, UNKNOWN);
    for (const [name, usesRedZone] of Object.entries(build.functions)) {
      row.functions++;
      if (usesRedZone) row.redZone++;
      if (unknown.has(name)) row.stackUnknown++;
      const finding = flagged.get(name);
      if (usesRedZone && finding) row.tp++;
      else if (finding) {
        row.fp++;
        falsePositives.push({ ...where, function: name, file: build.redZone, line: finding.line, code: finding.code, message: finding.message });
      } else if (usesRedZone) {
        row.fn++;
        if (unknown.has(name)) row.fnUnknown++;
        falseNegatives.push({ ...where, function: name, file: build.redZone, line: functionLine(root, build.redZone, name), unknown: unknown.has(name) });
      }
    }
    row.spurious += build.spurious.length;
    for (const [name, finding] of flagged) {
      if (!(name in build.functions)) unmatched.push({ ...where, function: name, file: build.redZone, line: finding.line, code: finding.code });
    }
    const norz = cli.findings.get(resolve(root, build.noRedZone)) ?? [];
    row.noRedZoneStackUnknown += functionsWith(norz, UNKNOWN).size;
    for (const [name, finding] of functionsWith(norz, FLAG_CODES)) {
      row.noRedZoneFlagged++;
      noRedZoneFlags.push({ ...where, function: name, file: build.noRedZone, line: finding.line, code: finding.code, message: finding.message });
    }
  }
  const ratio = (num, den) => (den === 0 ? 1 : num / den);
  const table = [...rows.values()].map((row) => ({
    ...row,
    precision: ratio(row.tp, row.tp + row.fp),
    recall: ratio(row.tp, row.tp + row.fn),
    // Recall over the functions the analysis decided: a red-zone function reported stack-unknown
    // (an index it cannot bound) is not a silent miss; the analysis says it cannot tell.
    decidedRecall: ratio(row.tp, row.tp + row.fn - row.fnUnknown),
  }));
  return { table, falsePositives, falseNegatives, noRedZoneFlags, unmatched, inputMismatches, fileErrors };
}
