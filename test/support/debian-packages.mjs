// Debian packages that tests and benchmarks fetch at run time (kernel modules, kernel and glibc
// sources, objtool): `apt-cache search` to find the newest name, `apt-get download` into a cache
// folder, each retried once after `apt-get update` when apt's lists are stale or missing (a fresh
// machine or container has none). Unpacking stays with the caller, which knows what it needs.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Runs a command and returns its standard output; throws with its standard error on failure. */
export function sh(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 << 20 });
}

/** Runs `step`, and once more after `apt-get update` if it throws or returns nothing. */
function withFreshLists(step) {
  let result;
  try {
    result = step();
  } catch {
    result = undefined;
  }
  if (result) return result;
  sh('apt-get', ['update', '-qq']);
  return step();
}

/** The names of the packages apt knows whose name matches `pattern` (an `apt-cache search --names-only` regex). */
export function aptPackageNames(pattern) {
  const list = withFreshLists(() => sh('apt-cache', ['search', '--names-only', pattern]).trim());
  return list.split('\n').map((line) => line.split(' ')[0]).filter((name) => name !== '');
}

/** The `.deb` of `name` in `dir`, downloaded with `apt-get download` unless one is there already; returns its path. */
export function debianPackage(name, dir, log = () => {}) {
  mkdirSync(dir, { recursive: true });
  const existing = () => (existsSync(dir) ? readdirSync(dir).find((file) => file.startsWith(`${name}_`) && file.endsWith('.deb')) : undefined);
  if (existing() === undefined) {
    log(`apt-get download ${name} into ${dir}`);
    withFreshLists(() => (sh('apt-get', ['download', name], dir), existing()));
  }
  const deb = existing();
  if (deb === undefined) throw new Error(`apt-get download ${name} left no .deb in ${dir}`);
  return join(dir, deb);
}
