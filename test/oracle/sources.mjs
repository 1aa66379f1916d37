// The real C that the oracle compiles: sources vendored inside npm packages, pinned by exact
// version and sha512, downloaded with `npm pack` (never installed) into .cache/oracle/dl and
// unpacked into .cache/oracle/src. A second run reuses both.
//
// Why these: each file compiles standalone with only libc headers, in well under two seconds,
// and together they give about 850 functions of varied shape (parsers with big switch tables,
// a B-tree with many small accessors, compressors with hot inlined loops).

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @typedef {{name: string, file: string, flags: string[]}} Unit
 *   one translation unit; `file` and `-I` paths in `flags` are relative to the package root
 * @typedef {{pkg: string, version: string, integrity: string, units: Unit[]}} SourcePackage
 */

const EXPAT = 'deps/libexpat';
const EXPAT_FLAGS = ['-DHAVE_EXPAT_CONFIG_H', `-I${EXPAT}`, `-I${EXPAT}/lib`];
const LMDB = 'dependencies/lmdb/libraries/liblmdb';
const LZ4 = 'dependencies/lz4/lib';

/** @type {SourcePackage[]} */
export const ORACLE_PACKAGES = [
  {
    // libexpat 2.2.x, the XML parser.
    pkg: 'node-expat',
    version: '2.4.1',
    integrity:
      'sha512-uWgvQLgo883NKIL+66oJsK9ysKK3ej0YjVCPBZzO/7wMAuH68/Yb7+JwPWNaVq0yPaxrb48AoEXfYEc8gsmFbg==',
    units: ['xmlparse', 'xmlrole', 'xmltok'].map((name) => ({
      name: `expat-${name}`,
      file: `${EXPAT}/lib/${name}.c`,
      flags: EXPAT_FLAGS,
    })),
  },
  {
    // liblmdb 0.9.90 (the lmdb-js fork) and lz4 1.10, both vendored by lmdb-js.
    pkg: 'lmdb',
    version: '3.5.6',
    integrity:
      'sha512-j3uE8ReKNyUWDjhfEFSJqE/1DLtfTR5Z8yFzVHvBjAk37wNg7HdScjcv8ttPHRvrdgPQMPWxFFI0SsdBzI5lBw==',
    units: [
      ...['mdb', 'midl'].map((name) => ({ name: `lmdb-${name}`, file: `${LMDB}/${name}.c`, flags: [`-I${LMDB}`] })),
      { name: 'lmdb-chacha8', file: `${LMDB}/chacha8.c`, flags: [`-I${LMDB}`] },
      ...['lz4', 'lz4hc', 'lz4frame', 'lz4file', 'xxhash'].map((name) => ({
        name: `lz4-${name}`,
        file: `${LZ4}/${name}.c`,
        flags: [`-I${LZ4}`],
      })),
    ],
  },
  {
    // The Argon2 reference implementation (phc-winner-argon2): BLAKE2b and the SSE2 fill_block
    // keep large blocks of locals, which gives optimized red-zone use that parsers rarely show.
    pkg: 'argon2',
    version: '0.45.1',
    integrity:
      'sha512-skm+/WCjkGqCQxF7FG1LuZXM5yvbFjgbfiCGsud2oLgaDhh6b6dbH0b1EkghbM+xx4Bj8Ape+KKgixoIlWZicQ==',
    units: ['argon2', 'blake2/blake2b', 'core', 'encoding', 'opt', 'thread'].map((name) => ({
      name: `argon2-${name.replace('blake2/', '')}`,
      file: `argon2/src/${name}.c`,
      flags: ['-Iargon2/include'],
    })),
  },
];

/** The SQLite 3.50.4 amalgamation (9 MB of C), used by the text benchmark. */
export const BENCH_PACKAGE = {
  pkg: 'better-sqlite3',
  version: '12.4.1',
  integrity:
    'sha512-3yVdyZhklTiNrtg+4WqHpJpFDd+WHTg2oM7UcR80GqL05AOV0xEJzc6qNvFYoEtE+hRp1n9MpN6/+4yhlGkDXQ==',
  units: [{ name: 'sqlite3', file: 'deps/sqlite3/sqlite3.c', flags: [] }],
};

/**
 * Makes sure a package's tarball is downloaded, verified and unpacked; returns the directory
 * that holds its `package/` contents. Verification uses the pinned sha512, so a changed
 * tarball fails loudly instead of silently changing the corpus.
 * @param {string} cacheDir e.g. `<repo>/.cache/oracle`
 * @param {{pkg: string, version: string, integrity: string}} source
 */
export function fetchPackage(cacheDir, source) {
  const id = `${source.pkg}-${source.version}`;
  const srcDir = join(cacheDir, 'src', id);
  if (existsSync(join(srcDir, '.complete'))) return join(srcDir, 'package');
  const dlDir = join(cacheDir, 'dl');
  mkdirSync(dlDir, { recursive: true });
  const tarball = join(dlDir, `${id}.tgz`);
  // Test files run in parallel processes and may fetch the same package at once: every step
  // writes into a private folder and publishes it with a rename, which is atomic.
  const privateDir = join(cacheDir, `tmp-${id}-${process.pid}-${Date.now()}`);
  mkdirSync(privateDir, { recursive: true });
  try {
    if (!existsSync(tarball)) {
      // npm names the file after the package; scoped names are not used here.
      const out = execFileSync(
        'npm',
        ['pack', `${source.pkg}@${source.version}`, '--ignore-scripts', '--silent', '--pack-destination', privateDir],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      renameSync(join(privateDir, out.trim().split('\n').pop() ?? ''), tarball);
    }
    const digest = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (digest !== source.integrity) {
      rmSync(tarball, { force: true });
      throw new Error(`${id}: downloaded tarball has ${digest}, expected the pinned ${source.integrity}`);
    }
    const unpacked = join(privateDir, 'src');
    mkdirSync(unpacked);
    execFileSync('tar', ['xzf', tarball, '-C', unpacked]);
    writeFileSync(join(unpacked, '.complete'), '');
    mkdirSync(join(cacheDir, 'src'), { recursive: true });
    if (!existsSync(join(srcDir, '.complete'))) {
      rmSync(srcDir, { recursive: true, force: true });
      try {
        renameSync(unpacked, srcDir);
      } catch (error) {
        // Another process published the same folder first; theirs is as good as ours.
        if (!existsSync(join(srcDir, '.complete'))) throw error;
      }
    }
  } finally {
    rmSync(privateDir, { recursive: true, force: true });
  }
  return join(srcDir, 'package');
}
