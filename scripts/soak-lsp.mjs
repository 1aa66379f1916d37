// Language-server soak over stdio (issue 11 item 24): a kernel-tagged gcc `.s` of N lines (the
// first N lines of gcc -O2 -S of the SQLite amalgamation, as scripts/bench-input.mjs builds it),
// then a burst of random edits sent without pause, with hovers and code actions sent in between
// (not awaited, as an editor sends them while the user types). Prints:
//   - the time from the last edit to the diagnostics of the final version,
//   - hover and code-action latencies (median, 95th percentile, worst) during the burst,
//   - the server's peak and final memory (VmHWM, VmRSS from /proc/PID/status),
//   - how many diagnostics were published for versions already replaced.
// Targets: final diagnostics within 1 s of the burst's end, hovers within 50 ms, RSS under 300 MB.
// This prints and exits 0; test/lsp/soak.test.ts runs a bounded soak in the main suite.
// Usage: node scripts/soak-lsp.mjs [--lines N] [--edits N] [--every N] [--seed N]   (build dist/ first)
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { amalgamationAsm } from './bench-input.mjs';
import { runSoak } from './soak.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { lines: { type: 'string', default: '100000' }, edits: { type: 'string', default: '1000' }, every: { type: 'string', default: '20' }, seed: { type: 'string', default: '1' } } });
const server = join(root, 'dist', 'server.js');
if (!existsSync(server)) {
  console.error('dist/server.js does not exist; build it first with `node esbuild.mjs`.');
  process.exit(2);
}
const source = readFileSync(amalgamationAsm(root), 'utf8').split('\n').slice(0, Number(values.lines) - 1);
const text = `${['# redzone: kernel', ...source].join('\n')}\n`;
const child = spawn(process.execPath, [server, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
try {
  const result = await runSoak({
    input: child.stdout,
    output: child.stdin,
    pid: child.pid,
    uri: pathToFileURL(join(root, '.cache', 'bench', 'soak.s')).href,
    text,
    edits: Number(values.edits),
    every: Number(values.every),
    seed: Number(values.seed),
  });
  const ms = (value) => `${value.toFixed(1)} ms`;
  const verdict = (ok) => (ok ? 'MET' : 'NOT MET');
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`
language-server soak over stdio: ${text.split('\n').length - 1} lines (${(text.length / 1e6).toFixed(1)} MB), kernel-tagged, ${result.edits} random edits without pause, a hover and a code action every ${values.every} edits (load average ${load})
  last edit -> final diagnostics     ${ms(result.finalMs)}  (${result.finalDiagnostics} diagnostics, version ${result.finalVersion})  target < 1000 ms: ${verdict(result.finalMs < 1000)}
  hover during the burst             median ${ms(result.hovers.median)}  p95 ${ms(result.hovers.p95)}  worst ${ms(result.hovers.worst)}  (${result.hovers.count})  target < 50 ms: ${verdict(result.hovers.median < 50)}
  code action during the burst       median ${ms(result.actions.median)}  p95 ${ms(result.actions.p95)}  worst ${ms(result.actions.worst)}  (${result.actions.count})
  publications of replaced versions  ${result.stalePublications}
  server memory                      peak ${result.peakMb.toFixed(0)} MB, at the end ${result.rssMb.toFixed(0)} MB  target < 300 MB: ${verdict(result.peakMb < 300)}
`);
} finally {
  child.kill();
}
