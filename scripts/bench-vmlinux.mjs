// A whole distribution kernel checked by the CLI (issue 11 item 19): the vmlinux of Debian's newest
// `linux-image-<abi>-amd64-dbg` (with DWARF, 604 MiB for 6.1.0-57), downloaded once with
// `apt-get download` into .cache/vmlinux (859 MB) and its vmlinux unpacked beside it. Runs, in the
// same run, the reference tool `objdump -d vmlinux` and then
//   node dist/cli.js check --format json --max-file-size 1024 vmlinux
// and prints: the wall time of each and their ratio, the CLI's peak memory (VmHWM of its process,
// sampled every 100 ms), functions, findings by code, and what the analysis read of the file.
// Targets: peak memory at most 1 GB, no red-zone finding (the kernel is built with -mno-red-zone).
// Exits 1 when a target is not met, so that a CI stage can run it. This is not a test of the main
// suite: the download and the run take minutes. Build dist/ first.
// Usage: node scripts/bench-vmlinux.mjs [--vmlinux PATH]
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { aptPackageNames, debianPackage, sh } from '../test/support/debian-packages.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { vmlinux: { type: 'string' } } });
const cli = join(root, 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error('dist/cli.js does not exist; build it first with `npm run build`.');
  process.exit(2);
}

/** The vmlinux of the newest amd64 -dbg package, downloaded and unpacked on the first run. */
function debianVmlinux() {
  const names = aptPackageNames('^linux-image-[0-9.-]+-amd64-dbg$').filter((name) => /^linux-image-[0-9.]+-\d+-amd64-dbg$/.test(name));
  if (names.length === 0) throw new Error('apt knows no linux-image-*-amd64-dbg package (is this Debian 12 with its sources?)');
  const abi = (name) => Number(/-(\d+)-amd64-dbg$/.exec(name)[1]);
  const name = names.sort((a, b) => abi(b) - abi(a))[0];
  const cache = join(root, '.cache', 'vmlinux');
  const boot = join(cache, 'usr', 'lib', 'debug', 'boot');
  const release = name.replace(/^linux-image-/, '').replace(/-dbg$/, '');
  const path = join(boot, `vmlinux-${release}`);
  if (existsSync(path)) return path;
  const deb = debianPackage(name, cache, (line) => console.log(line));
  console.log(`unpacking vmlinux-${release} from ${deb}`);
  // The package holds every module's debug file too (5.6 GB); tar stops after the one file.
  sh('sh', ['-c', `dpkg-deb --fsys-tarfile '${deb}' | tar -x --wildcards --occurrence=1 './usr/lib/debug/boot/vmlinux-*' || test -f '${path}'`], cache);
  if (!existsSync(path)) throw new Error(`${deb} has no ${path.slice(cache.length)} (found: ${existsSync(boot) ? readdirSync(boot).join(', ') : 'nothing'})`);
  return path;
}

/** Runs a command, sampling its peak memory; resolves with its wall time, peak and standard output (dropped with `keep: false`). */
function measured(cmd, args, keep = true) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (chunk) => keep && out.push(chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const sample = setInterval(() => {
      try {
        const hwm = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
        peak = Math.max(peak, hwm * 1024);
      } catch {
        // The process has just exited.
      }
    }, 100);
    child.on('error', reject);
    child.on('close', (status) => {
      clearInterval(sample);
      resolve({ status, ms: performance.now() - started, peak, stdout: Buffer.concat(out), stderr });
    });
  });
}

const vmlinux = values.vmlinux ?? debianVmlinux();
const size = statSync(vmlinux).size;
const mib = (bytes) => `${(bytes / 1048576).toFixed(1)} MiB`;

const reference = await measured('objdump', ['-d', vmlinux], false);
const reading = await measured(process.execPath, [cli, 'check', '--format', 'json', vmlinux]);
const refusal = /of which the analysis reads ([\d.]+) MiB/.exec(reading.stderr)?.[1];
const run = await measured(process.execPath, [cli, 'check', '--format', 'json', '--max-file-size', '1024', vmlinux]);
if (run.status !== 0 && run.status !== 1) {
  console.error(`check failed (exit ${run.status}): ${run.stderr}`);
  process.exit(2);
}
const report = JSON.parse(run.stdout.toString('utf8'));
const file = report.files[0];
const stats = report.stats;
const redZone = ['red-zone-store', 'red-zone-load', 'below-red-zone', 'red-zone-clobbered'].reduce((sum, code) => sum + (stats.byCode[code] ?? 0), 0);
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const verdict = (ok) => (ok ? 'MET' : 'NOT MET');
const peakOk = run.peak <= 1024 * 1048576;
console.log(`
a distribution kernel: ${vmlinux} (${mib(size)}), load average ${load} (a shared machine: times are noisy, the ratio less so)
  objdump -d (reference)        ${(reference.ms / 1000).toFixed(1)} s
  redzone-lint check            ${(run.ms / 1000).toFixed(1)} s  (${(run.ms / reference.ms).toFixed(2)} x objdump -d)
  peak memory of check          ${mib(run.peak)}  target <= 1024 MiB: ${verdict(peakOk)}
  read by check                 ${refusal === undefined ? 'unknown (the default limit did not refuse it)' : `${refusal} MiB of the file (the default limit of 64 MiB refuses it with this number)`}
  kernel code                   ${file.kernel}
  functions                     ${file.functions}
  red-zone findings             ${redZone}  target 0: ${verdict(redZone === 0)}
  stack-unknown                 ${stats.byCode['stack-unknown'] ?? 0}
  problems                      ${(file.problems ?? []).length}
`);
process.exit(peakOk && redZone === 0 && file.kernel === true ? 0 : 1);
