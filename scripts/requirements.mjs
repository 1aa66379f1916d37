// What the main suite needs from the machine besides Node: the compilers and binutils that build
// the real code the tests analyze at test time. `npm test` (scripts/test.mjs) checks them first: as
// root with apt-get it installs the Debian packages that are missing, saying so; otherwise it stops
// at once with the one command that would install them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Each program (or file) the tests use, and the Debian package that provides it. */
export const requirements = [
  { what: 'gcc', package: 'gcc' },
  { what: 'clang', package: 'clang' },
  { what: 'as', package: 'binutils' },
  { what: 'ld', package: 'binutils' },
  { what: 'ar', package: 'binutils' },
  { what: 'nm', package: 'binutils' },
  { what: 'objdump', package: 'binutils' },
  { what: 'make', package: 'make' },
  { what: '/usr/lib/x86_64-linux-gnu/libc.a', package: 'libc6-dev' },
];

/** True when `name` is an executable on PATH (or, for an absolute path, an existing file). */
export function available(name, path = process.env.PATH ?? '') {
  if (name.startsWith('/')) return existsSync(name);
  return path.split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, name)));
}

/** The Debian packages whose programs are missing, without duplicates. */
export function missingPackages(path = process.env.PATH ?? '') {
  return [...new Set(requirements.filter((r) => !available(r.what, path)).map((r) => r.package))];
}

/**
 * Makes sure the requirements are there: returns when they are (installing them first as root
 * with apt-get), otherwise prints the one command that would install them and exits with status 1.
 */
export function ensureRequirements(log = console.log) {
  const missing = missingPackages();
  if (missing.length === 0) return;
  const what = requirements.filter((r) => missing.includes(r.package)).map((r) => r.what.replace(/^.*\//, '')).join(', ');
  const command = `apt-get install -y ${missing.join(' ')}`;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && available('apt-get')) {
    log(`npm test: ${what} missing; installing the Debian packages: ${command}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let install = spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
    if (install.status !== 0) {
      // A fresh machine has no package lists yet.
      spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
      install = spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
    }
    if (install.status === 0 && missingPackages().length === 0) return;
    console.error(`npm test: installing ${missing.join(' ')} failed; the tests need them.`);
    process.exit(1);
  }
  console.error(`npm test needs ${what}, which this machine lacks. Install them with:\n\n  ${root ? '' : 'sudo '}${command}\n`);
  process.exit(1);
}
