// Runs the whole oracle (corpus, CLI, score) and renders the markdown report that both the test
// and `node scripts/oracle-report.mjs` print and write to .cache/oracle/report.md.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildCorpus } from './corpus.mjs';
import { runCli, score } from './score.mjs';

const pct = (value) => value.toFixed(4);

/** The precision/recall table as markdown, one row per compiler x level x syntax. */
export function formatTable(table) {
  const head = [
    '| compiler | flags | syntax | functions | red zone (truth) | TP | FP | FN | precision | recall | stack-unknown | -mno-red-zone flagged | -mno-red-zone stack-unknown |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const lines = table.map((r) =>
    `| ${r.compiler} | ${r.flags} | ${r.syntax} | ${r.functions} | ${r.redZone} | ${r.tp} | ${r.fp} | ${r.fn} | ${pct(r.precision)} | ${pct(r.recall)} | ${r.stackUnknown} | ${r.noRedZoneFlagged} | ${r.noRedZoneStackUnknown} |`,
  );
  const sum = (field) => table.reduce((total, r) => total + r[field], 0);
  const tp = sum('tp');
  const total = `| **all** | | | ${sum('functions')} | ${sum('redZone')} | ${tp} | ${sum('fp')} | ${sum('fn')} | ${pct(tp + sum('fp') === 0 ? 1 : tp / (tp + sum('fp')))} | ${pct(tp + sum('fn') === 0 ? 1 : tp / (tp + sum('fn')))} | ${sum('stackUnknown')} | ${sum('noRedZoneFlagged')} | ${sum('noRedZoneStackUnknown')} |`;
  return [...head, ...lines, total].join('\n');
}

function section(title, items, render) {
  if (items.length === 0) return `## ${title}: none\n`;
  return `## ${title} (${items.length})\n\n${items.map((item) => `- ${render(item)}`).join('\n')}\n`;
}

const at = (item) => `${item.compiler} ${item.level} ${item.syntax}: \`${item.function}\` in ${item.file}:${item.line}`;

/** The full markdown report: table, then every disagreement. */
export function formatReport(scored, meta) {
  return [
    '# Red-zone differential oracle',
    '',
    `Corpus: ${meta.units} units of real C (${meta.packages.join(', ')}), built by ${meta.compilers.join(' and ')}; ` +
      `${meta.files} \`.s\` files. A function uses the red zone when its normalized code differs between the ` +
      'build with the red zone and the -mno-red-zone build (and it addresses the stack at all). Flagged means a ' +
      `finding with code ${meta.codes.join(', ')} in \`check --kernel\`. Corpus ${meta.corpusSeconds.toFixed(1)} s, ` +
      `CLI ${meta.cliSeconds.toFixed(1)} s in ${meta.invocations} invocations.`,
    '',
    formatTable(scored.table),
    '',
    section('False positives', scored.falsePositives, (i) => `${at(i)} (${i.code}: ${i.message})`),
    section('False negatives', scored.falseNegatives, (i) => `${at(i)}${i.unknown ? ' (reported stack-unknown)' : ''}`),
    section('Flagged in -mno-red-zone builds', scored.noRedZoneFlags, (i) => `${at(i)} (${i.code}: ${i.message})`),
    section('Flagged functions the ground truth does not know (naming mismatch?)', scored.unmatched, (i) => `${at(i)} (${i.code})`),
    section('Wrong input kind', scored.inputMismatches, (i) => `${i.file}: expected ${i.syntax}, got ${i.input}`),
    section('File errors', scored.fileErrors, (i) => `${i.file}: ${i.error}`),
  ].join('\n');
}

/**
 * Builds the corpus, runs the CLI on every build and scores it; writes .cache/oracle/report.md.
 * @param {{root: string, log?: (line: string) => void, cli?: string}} options
 */
export async function runOracle({ root, log = () => {}, cli = 'dist/cli.js' }) {
  if (!existsSync(resolve(root, cli))) {
    throw new Error(`${cli} does not exist; build it first with \`node esbuild.mjs\`.`);
  }
  const corpus = await buildCorpus({ root, log });
  const files = corpus.builds.flatMap((build) => [build.redZone, build.noRedZone]);
  log(`oracle: running ${cli} on ${files.length} files`);
  const result = await runCli({ root, files, cli });
  log(`oracle: CLI finished in ${result.seconds.toFixed(1)} s (${result.invocations} invocations)`);
  const scored = score(root, corpus.builds, result);
  const meta = {
    units: new Set(corpus.builds.map((b) => b.unit)).size,
    packages: [...new Set(corpus.builds.map((b) => b.package))],
    compilers: [...new Set(corpus.builds.map((b) => b.compilerVersion))],
    files: files.length,
    codes: ['red-zone-store', 'red-zone-load', 'below-red-zone', 'red-zone-clobbered'],
    corpusSeconds: corpus.seconds,
    cliSeconds: result.seconds,
    invocations: result.invocations,
  };
  const report = formatReport(scored, meta);
  const reportPath = join(root, '.cache', 'oracle', 'report.md');
  mkdirSync(join(root, '.cache', 'oracle'), { recursive: true });
  writeFileSync(reportPath, `${report}\n`);
  return { scored, report, table: formatTable(scored.table), reportPath, corpus };
}
