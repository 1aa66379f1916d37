// Object benchmark (target in the README's "Performance": "scanning a set of real .ko/.o files is no slower than objdump -d
// disassembling them"): scans the 310 Debian kernel modules of the object tests with the built
// CLI (`check --format json`, default --jobs: every processor), and in the same run, alternating,
// three rounds each:
// - GNU `objdump -d` over the same files (one process);
// - Linux's objtool (Debian's linux-kbuild-6.1, fetched and cached by scripts/objtool.mjs) with
//   Kbuild's flags and --dry-run on copies without ORC sections, two processes at a time: the
//   kernel's own checker, which decodes the same instructions and walks every function's stack;
// - the decode floor (scripts/decode-floor.mjs): iced-x86 decoding the same files in the same
//   workers, no analysis. No object result can cost less.
// Prints the medians, the three ratios, and the peak RSS of the check process (its workers are
// threads of that process). With --all, it then times check against objdump -d on every module of
// the package (4,023), where a cost that grows faster than the input would show.
// Usage: node esbuild.mjs && node scripts/bench-objects.mjs [--count N] [--rounds N] [--all]
// For where the time goes (ELF reading, decoding, lowering, analysis, listings, GC), run the
// single-thread profile on the same modules: node scripts/profile-objects.mjs
// The first run downloads and unpacks the modules into .cache/kernel-modules (about 70 MB) and
// objtool into .cache/objtool.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { kernelModules } from '../test/fixtures/objects/real-objects.mjs';
import { buildDecodeFloor } from './decode-floor.mjs';
import { objtoolSetup } from './objtool.mjs';

const { values } = parseArgs({ options: { count: { type: 'string', default: '310' }, rounds: { type: 'string', default: '3' }, all: { type: 'boolean', default: false } } });
const root = join(import.meta.dirname, '..');
const log = (line) => console.log(line);
const modules = kernelModules({ root, count: Number(values.count), log });
const objtool = objtoolSetup(root, modules, log);
// objtool runs one file per process, as Kbuild does; this node process only starts them, two at a time.
const objtoolRunner = ['--input-type=module', '-e', `import { runObjtool } from ${JSON.stringify(join(root, 'scripts', 'objtool.mjs'))}; await runObjtool(process.argv[1], process.argv.slice(2), 2);`, objtool.tool];

// GNU time, when installed, also gives the CPU seconds (user + system, children included): on a
// machine shared with other jobs the wall time depends on the load, the CPU time much less.
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * Runs a command with its output discarded (but read, so the tool really writes it); returns the
 * wall time in ms and, with GNU time, the CPU time in ms (children included) and the peak RSS in KiB.
 */
function timed(cmd, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const [file, argv] = gnuTime ? [gnuTime, ['-f', 'cpu %U %S rss %M', cmd, ...args]] : [cmd, args];
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
        const cpu = /cpu ([\d.]+) ([\d.]+) rss (\d+)\s*$/.exec(stderr);
        resolve({ ms, bytes, cpu: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : undefined, rss: cpu ? Number(cpu[3]) : undefined });
      }
    });
  });
}

const floorHarness = await buildDecodeFloor(root);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
const runs = { ours: [], objdump: [], objtool: [], floor: [] };
const cpus = { ours: [], objdump: [], objtool: [], floor: [] };
const rss = [];
const check = (files) => timed(process.execPath, ['dist/cli.js', 'check', '--format', 'json', ...files]);
for (let round = 0; round < Number(values.rounds); round++) {
  const measured = {
    ours: await check(modules),
    objdump: await timed('objdump', ['-d', ...modules]),
    objtool: await timed(process.execPath, [...objtoolRunner, ...objtool.copies]),
    floor: await timed(process.execPath, [floorHarness, ...modules]),
  };
  for (const [key, m] of Object.entries(measured)) {
    runs[key].push(m.ms);
    if (m.cpu !== undefined) cpus[key].push(m.cpu);
  }
  if (measured.ours.rss !== undefined) rss.push(measured.ours.rss);
  const cpu = (m) => (m.cpu !== undefined ? ` (CPU ${seconds(m.cpu)})` : '');
  console.log(
    `round ${round + 1}: redzone-lint ${seconds(measured.ours.ms)}${cpu(measured.ours)}, objdump -d ${seconds(measured.objdump.ms)}${cpu(measured.objdump)}, ` +
      `objtool x2 ${seconds(measured.objtool.ms)}${cpu(measured.objtool)}, iced-x86 decoding alone ${seconds(measured.floor.ms)}${cpu(measured.floor)}`,
  );
}
rmSync(dirname(floorHarness), { recursive: true, force: true });
const ratio = (a, b) => (median(runs[a]) / median(runs[b])).toFixed(2);
const cpuRatio = (a, b) => (cpus[a].length > 0 && cpus[b].length > 0 ? `, CPU ${(median(cpus[a]) / median(cpus[b])).toFixed(2)}` : '');
console.log(
  `\n${modules.length} modules, ${availableParallelism()} processors (medians): redzone-lint check ${seconds(median(runs.ours))}, ` +
    `objdump -d ${seconds(median(runs.objdump))}, objtool (2 at a time) ${seconds(median(runs.objtool))}, decode floor ${seconds(median(runs.floor))}\n` +
    `  vs objdump -d: ${ratio('ours', 'objdump')} (target <= 1.0${cpuRatio('ours', 'objdump')})\n` +
    `  vs objtool: ${ratio('ours', 'objtool')} (target <= 1.0${cpuRatio('ours', 'objtool')})\n` +
    `  vs the decode floor: ${ratio('ours', 'floor')} (the floor itself is ${ratio('floor', 'objdump')} of objdump -d)\n` +
    (rss.length > 0 ? `  peak RSS of the check process (its ${availableParallelism()} workers are threads): ${(median(rss) / 1024).toFixed(0)} MiB\n` : '') +
    `  load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`,
);

if (values.all) {
  // Every module of the package, one round each: check's cost should grow with the input as objdump's does.
  const all = kernelModules({ root, count: 'all', log });
  const ours = await check(all);
  const theirs = await timed('objdump', ['-d', ...all]);
  console.log(
    `\nall ${all.length} modules: redzone-lint check ${seconds(ours.ms)}, objdump -d ${seconds(theirs.ms)}: ratio ${(ours.ms / theirs.ms).toFixed(2)} (target <= 1.2)` +
      (ours.rss !== undefined ? `; peak RSS ${(ours.rss / 1024).toFixed(0)} MiB` : '') +
      `; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`,
  );
}
