// Builds the differential-oracle corpus: every unit of sources.mjs compiled by gcc and clang at
// -O0, -O1, -O2 and -Os, in AT&T and Intel syntax, with and without -mno-red-zone, then compared
// function by function (asm-functions.mjs) to get the ground truth: which functions use the red
// zone. The -O1 builds also carry debug info, so the analyzer sees `.loc` and extra debug labels:
// gcc -g (with its `.LVL` labels), clang -gline-tables-only (clang's full -g multiplies the
// output eightfold with location lists, which would make the test slow for little gain).
// Compiler output keeps its `.cfi_*` directives; nothing is stripped before the analyzer sees it.
//
// Everything lives under <repo>/.cache/oracle: downloads, unpacked sources, one `.s` per build
// (keyed by the compiler's version, so a new compiler rebuilds), and truth.json.

import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { diffBuilds } from './asm-functions.mjs';
import { ORACLE_PACKAGES, fetchPackage } from './sources.mjs';

export const COMPILERS = ['gcc', 'clang'];
export const LEVELS = ['-O0', '-O1', '-O2', '-Os'];
export const SYNTAXES = ['att', 'intel'];
/** Flags of one build; only -mno-red-zone differs between the two builds that are compared. */
export function buildFlags(cc, level, syntax, redZone) {
  return [
    level,
    ...(level === '-O1' ? [cc === 'clang' ? '-gline-tables-only' : '-g'] : []),
    ...(syntax === 'intel' ? ['-masm=intel'] : []),
    ...(redZone ? [] : ['-mno-red-zone']),
    '-w',
  ];
}

/**
 * Returns the first line of `cc --version`, or throws a message that says how to install it.
 * CI installs clang itself; a missing compiler must fail the test, not skip it.
 */
export function compilerVersion(cc) {
  try {
    return execFileSync(cc, ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    throw new Error(`The oracle needs ${cc}, which is not on PATH; install it (apt-get install -y ${cc}).`);
  }
}

/** Runs async tasks with at most `limit` at a time. */
async function pool(tasks, limit) {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/**
 * Runs one compile into `output`, writing a private partial file first and renaming it when the
 * compiler succeeded, so an interrupted or concurrent run never leaves a truncated cache entry.
 * The partial name keeps the output's extension, which some compilers look at.
 */
export function compile(cc, args, cwd, output) {
  const extension = output.slice(output.lastIndexOf('.'));
  const partial = `${output}.${process.pid}.partial${extension}`;
  return new Promise((resolve, reject) => {
    execFile(cc, [...args, '-o', partial], { cwd, maxBuffer: 64 << 20 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${cc} ${args.join(' ')} failed in ${cwd}:\n${stderr}`));
      else {
        renameSync(partial, output);
        resolve(undefined);
      }
    });
  });
}

/**
 * Downloads the sources, compiles what is not cached yet and computes the ground truth.
 * @param {{root: string, log?: (line: string) => void, jobs?: number}} options
 */
export async function buildCorpus({ root, log = () => {}, jobs = availableParallelism() }) {
  const cacheDir = join(root, '.cache', 'oracle');
  mkdirSync(cacheDir, { recursive: true });
  // The text and object oracles run in parallel test processes; one builds, the other waits and
  // then finds everything cached, instead of compiling the corpus twice at once.
  return withLock(join(cacheDir, 'build.lock'), () => buildCorpusLocked({ root, log, jobs, cacheDir }));
}

/** Runs `fn` while holding a lock folder; a lock left by a dead process is taken over. */
async function withLock(lock, fn) {
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      let owner = 0;
      try {
        owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // The owner has not written its pid yet, or has just let go.
      }
      if (owner > 0 && !isAlive(owner)) rmSync(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function buildCorpusLocked({ root, log, jobs, cacheDir }) {
  const started = Date.now();
  const units = ORACLE_PACKAGES.flatMap((source) => {
    const dir = fetchPackage(cacheDir, source);
    return source.units.map((unit) => ({ ...unit, dir, pkg: `${source.pkg}@${source.version}` }));
  });
  const configs = [];
  for (const cc of COMPILERS) {
    const version = compilerVersion(cc);
    for (const level of LEVELS) {
      for (const syntax of SYNTAXES) {
        // The directory is keyed by the compiler's version and the flags, so changing either
        // rebuilds exactly the builds it affects and never reuses a stale one.
        const flags = buildFlags(cc, level, syntax, true).join(' ');
        const key = createHash('sha256').update(`${version}\n${flags}`).digest('hex').slice(0, 10);
        const dir = join(cacheDir, 'build', cc, `${level.slice(1)}-${syntax}-${key}`);
        configs.push({ cc, version, level, syntax, dir });
      }
    }
  }
  const tasks = [];
  let reused = 0;
  for (const config of configs) {
    for (const redZone of [true, false]) {
      const dir = join(config.dir, redZone ? 'rz' : 'norz');
      mkdirSync(dir, { recursive: true });
      for (const unit of units) {
        const output = join(dir, `${unit.name}.s`);
        if (existsSync(output)) {
          reused++;
          continue;
        }
        const args = ['-S', ...buildFlags(config.cc, config.level, config.syntax, redZone), ...unit.flags, unit.file];
        const cost = statSync(join(unit.dir, unit.file)).size * (config.level === '-O0' ? 1 : 4);
        tasks.push({ cost, run: () => compile(config.cc, args, unit.dir, output) });
      }
    }
  }
  log(`oracle corpus: ${units.length} units, ${tasks.length} compiles to run, ${reused} cached`);
  // Longest compiles first, so that the two workers finish at about the same time.
  tasks.sort((a, b) => b.cost - a.cost);
  await pool(tasks.map((task) => task.run), jobs);
  const compileSeconds = (Date.now() - started) / 1000;

  const builds = [];
  for (const config of configs) {
    for (const unit of units) {
      const redZonePath = join(config.dir, 'rz', `${unit.name}.s`);
      const noRedZonePath = join(config.dir, 'norz', `${unit.name}.s`);
      const diff = diffBuilds(readFileSync(redZonePath, 'utf8'), readFileSync(noRedZonePath, 'utf8'));
      builds.push({
        compiler: config.cc,
        compilerVersion: config.version,
        level: config.level,
        syntax: config.syntax,
        flags: buildFlags(config.cc, config.level, config.syntax, true),
        package: unit.pkg,
        unit: unit.name,
        source: unit.file,
        redZone: relative(root, redZonePath),
        noRedZone: relative(root, noRedZonePath),
        functions: Object.fromEntries(diff.usesRedZone),
        spurious: diff.spurious,
        unpaired: diff.unpaired,
      });
    }
  }
  const truthPath = join(cacheDir, 'truth.json');
  // Written aside and renamed, so a concurrent reader never sees half a file.
  const partialTruth = `${truthPath}.${process.pid}.partial`;
  writeFileSync(partialTruth, `${JSON.stringify({ version: 1, builds }, null, 1)}\n`);
  renameSync(partialTruth, truthPath);
  const seconds = (Date.now() - started) / 1000;
  log(`oracle corpus: ready in ${seconds.toFixed(1)} s (compiling ${compileSeconds.toFixed(1)} s); truth in ${relative(root, truthPath)}`);
  return { builds, truthPath, compiled: tasks.length, reused, seconds };
}
