// Object benchmark (DESIGN.md: "scanning a set of real .ko/.o files is no slower than objdump -d
// disassembling them"): scans the 310 Debian kernel modules of the object tests with the built
// CLI (`check --format json`, default --jobs: every processor) and runs GNU `objdump -d` over the
// same files, in the same run, alternating, three rounds each; prints the medians and the ratio.
// Usage: node esbuild.mjs && node scripts/bench-objects.mjs [--count N] [--rounds N]
// The first run downloads and unpacks the modules into .cache/kernel-modules (about 70 MB).
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kernelModules } from '../test/fixtures/objects/real-objects.mjs';

const { values } = parseArgs({ options: { count: { type: 'string', default: '310' }, rounds: { type: 'string', default: '3' } } });
const root = join(import.meta.dirname, '..');
const modules = kernelModules({ root, count: Number(values.count), log: (line) => console.log(line) });

/** Runs a command with its output discarded (but read, so the tool really writes it) and returns the wall time in ms. */
function timed(cmd, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (chunk) => (bytes += chunk.length));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      // check exits 0 (clean) or 1 (findings); anything else is a broken run, not a measurement.
      if (code !== 0 && !(cmd === process.execPath && code === 1)) reject(new Error(`${cmd} exited with ${code}: ${stderr.slice(0, 1000)}`));
      else resolve({ ms, bytes });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ours = [];
const theirs = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const a = await timed(process.execPath, ['dist/cli.js', 'check', '--format', 'json', ...modules]);
  const b = await timed('objdump', ['-d', ...modules]);
  ours.push(a.ms);
  theirs.push(b.ms);
  console.log(`round ${round + 1}: redzone-lint ${(a.ms / 1000).toFixed(2)} s, objdump -d ${(b.ms / 1000).toFixed(2)} s (${(b.bytes / 1048576).toFixed(0)} MiB of listing)`);
}
const ratio = median(ours) / median(theirs);
console.log(
  `\n${modules.length} modules, ${availableParallelism()} processors: redzone-lint check ${(median(ours) / 1000).toFixed(2)} s, ` +
    `objdump -d ${(median(theirs) / 1000).toFixed(2)} s (medians); ratio ${ratio.toFixed(2)} (target <= 1.0)`,
);
