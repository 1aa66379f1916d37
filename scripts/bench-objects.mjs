// Object benchmark (target in the README's "Performance": "scanning a set of real .ko/.o files is no slower than objdump -d
// disassembling them"): scans the 310 Debian kernel modules of the object tests with the built
// CLI (`check --format json`, default --jobs: every processor) and runs GNU `objdump -d` over the
// same files, in the same run, alternating, three rounds each; prints the medians and the ratio.
// Each round also times capstone-wasm decoding the same files alone (scripts/decode-floor.mjs): no
// object result can cost less, so its ratio to objdump is the floor of the object path's ratio.
// Usage: node esbuild.mjs && node scripts/bench-objects.mjs [--count N] [--rounds N]
// For where the time goes (ELF reading, capstone, lowering, analysis, listings, GC), run the
// single-thread profile on the same modules: node scripts/profile-objects.mjs
// The first run downloads and unpacks the modules into .cache/kernel-modules (about 70 MB).
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { kernelModules } from '../test/fixtures/objects/real-objects.mjs';
import { buildDecodeFloor } from './decode-floor.mjs';

const { values } = parseArgs({ options: { count: { type: 'string', default: '310' }, rounds: { type: 'string', default: '3' } } });
const root = join(import.meta.dirname, '..');
const modules = kernelModules({ root, count: Number(values.count), log: (line) => console.log(line) });

// GNU time, when installed, also gives the CPU seconds (user + system, children included): on a
// machine shared with other jobs the wall time depends on the load, the CPU time much less.
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * Runs a command with its output discarded (but read, so the tool really writes it); returns the
 * wall time in ms and, with GNU time, the CPU time in ms.
 */
function timed(cmd, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const [file, argv] = gnuTime ? [gnuTime, ['-f', 'cpu %U %S', cmd, ...args]] : [cmd, args];
    const child = spawn(file, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (chunk) => (bytes += chunk.length));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      // check exits 0 (clean) or 1 (findings); anything else is a broken run, not a measurement.
      if (code !== 0 && !(cmd === process.execPath && code === 1)) reject(new Error(`${cmd} exited with ${code}: ${stderr.slice(0, 1000)}`));
      else {
        const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
        resolve({ ms, bytes, cpu: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : undefined });
      }
    });
  });
}

const floorHarness = await buildDecodeFloor(root);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ours = [];
const theirs = [];
const oursCpu = [];
const theirsCpu = [];
const floors = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const a = await timed(process.execPath, ['dist/cli.js', 'check', '--format', 'json', ...modules]);
  const b = await timed('objdump', ['-d', ...modules]);
  const c = await timed(process.execPath, [floorHarness, ...modules]);
  ours.push(a.ms);
  theirs.push(b.ms);
  floors.push(c.ms);
  if (a.cpu !== undefined && b.cpu !== undefined) {
    oursCpu.push(a.cpu);
    theirsCpu.push(b.cpu);
  }
  const cpu = a.cpu !== undefined && b.cpu !== undefined ? `; CPU ${(a.cpu / 1000).toFixed(2)} s vs ${(b.cpu / 1000).toFixed(2)} s` : '';
  console.log(
    `round ${round + 1}: redzone-lint ${(a.ms / 1000).toFixed(2)} s, objdump -d ${(b.ms / 1000).toFixed(2)} s (${(b.bytes / 1048576).toFixed(0)} MiB of listing)${cpu}; ` +
      `capstone decoding alone ${(c.ms / 1000).toFixed(2)} s`,
  );
}
rmSync(dirname(floorHarness), { recursive: true, force: true });
const ratio = median(ours) / median(theirs);
console.log(
  `\n${modules.length} modules, ${availableParallelism()} processors: redzone-lint check ${(median(ours) / 1000).toFixed(2)} s, ` +
    `objdump -d ${(median(theirs) / 1000).toFixed(2)} s (medians); ratio ${ratio.toFixed(2)} (target <= 1.0)` +
    (oursCpu.length > 0 ? `; CPU time ratio ${(median(oursCpu) / median(theirsCpu)).toFixed(2)}` : '') +
    `\ncapstone-wasm decoding alone (the floor: same workers and decoding, no analysis) ${(median(floors) / 1000).toFixed(2)} s; ` +
    `floor ratio ${(median(floors) / median(theirs)).toFixed(2)}` +
    `; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`,
);
