// Linux's objtool, the speed peer of the object path: it decodes every instruction of an object
// and walks every function's stack state on each kernel build, as redzone-lint's object path does.
//
// `objtoolSetup(root, modules)` fetches Debian's `linux-kbuild-6.1` with `apt-get download` (after
// `apt-get update` when apt does not know it), unpacks it into .cache/objtool, and makes copies of
// the modules without their ORC and call-site sections: a linked `.ko` already has them and
// objtool refuses to make them again, while on the copies it validates everything. Both are kept
// in the cache. `runObjtool(tool, copies, jobs)` runs it the way Kbuild does for Debian's 6.1
// config, writing nothing (`--dry-run`), one file per process, `jobs` processes at a time.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { debianPackage, sh } from '../test/support/debian-packages.mjs';

const PACKAGE = 'linux-kbuild-6.1';
const TOOL = join('usr', 'lib', 'linux-kbuild-6.1', 'tools', 'objtool', 'objtool');
/** Sections a linked module has that objtool would generate (`--orc`, `--retpoline`, `--rethunk`, `--static-call`). */
const GENERATED = ['.orc_unwind', '.orc_unwind_ip', '.return_sites', '.retpoline_sites', '.static_call_sites'];
/** Kbuild's objtool flags for a module of Debian's 6.1 kernel (CONFIG_X86_KERNEL_IBT off, SLS and rethunk on). */
export const OBJTOOL_FLAGS = ['--hacks=jump_label', '--hacks=noinstr', '--orc', '--retpoline', '--rethunk', '--sls', '--static-call', '--uaccess', '--module', '--dry-run'];

/** The objtool binary and the ORC-free copies of `modules` (same order). */
export function objtoolSetup(root, modules, log = () => {}) {
  const cache = join(root, '.cache', 'objtool');
  const unpacked = join(cache, 'root');
  const tool = join(unpacked, TOOL);
  mkdirSync(cache, { recursive: true });
  if (!existsSync(tool)) {
    const deb = debianPackage(PACKAGE, cache, log);
    sh('dpkg-deb', ['-x', deb, unpacked]);
  }
  if (sh('ldd', [tool]).includes('not found')) throw new Error(`objtool needs libelf: apt-get install -y libelf1`);
  const copies = join(cache, 'modules');
  mkdirSync(copies, { recursive: true });
  const removed = GENERATED.flatMap((name) => [`--remove-section=${name}`, `--remove-section=.rela${name}`]);
  const out = modules.map((path, i) => {
    const copy = join(copies, `${String(i).padStart(4, '0')}-${path.split('/').pop()}`);
    if (!existsSync(copy)) sh('objcopy', [...removed, path, copy]);
    return copy;
  });
  return { tool, copies: out };
}

/** Runs objtool on every file, `jobs` processes at a time; resolves when all are done. A failing file rejects. */
export function runObjtool(tool, files, jobs) {
  return new Promise((resolve, reject) => {
    let next = 0;
    let running = 0;
    let failed = false;
    const start = () => {
      while (running < jobs && next < files.length && !failed) {
        const file = files[next++];
        running++;
        const child = spawn(tool, [...OBJTOOL_FLAGS, file], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk) => (stderr += chunk));
        child.on('error', (error) => {
          failed = true;
          reject(error);
        });
        child.on('close', (code) => {
          running--;
          // objtool exits non-zero only when it cannot read a file; its warnings are not failures.
          if (code !== 0 && !failed) {
            failed = true;
            reject(new Error(`objtool exited with ${code} on ${file}: ${stderr.slice(0, 500)}`));
            return;
          }
          if (next >= files.length && running === 0) resolve();
          else start();
        });
      }
    };
    if (files.length === 0) resolve();
    else start();
  });
}
