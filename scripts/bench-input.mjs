// The input of the text and editor benchmarks: the SQLite 3.50.4 amalgamation from the pinned
// better-sqlite3 npm package, compiled by `cc -O2 -S` (about 5 MB and 300,000 lines of `.s`) once
// and cached in .cache/bench.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BENCH_PACKAGE, fetchPackage } from '../test/oracle/sources.mjs';

/** The path of the amalgamation compiled by `cc` at -O2 -S, building it the first time. */
export function amalgamationAsm(root, cc = 'gcc') {
  const cacheDir = join(root, '.cache', 'bench');
  mkdirSync(cacheDir, { recursive: true });
  const output = join(cacheDir, `sqlite3-${cc}-O2.s`);
  if (existsSync(output)) return output;
  const pkgDir = fetchPackage(cacheDir, BENCH_PACKAGE);
  const unit = BENCH_PACKAGE.units[0];
  console.log(`compiling ${unit.file} with ${cc} -O2 -S (once; cached in ${relative(root, cacheDir)}) ...`);
  execFileSync(cc, ['-O2', '-S', '-w', unit.file, '-o', `${output}.partial`], { cwd: pkgDir, stdio: 'inherit' });
  renameSync(`${output}.partial`, output);
  return output;
}
