/**
 * Rust on save, through the protocol, with the real cargo: a `#![no_std]` crate whose
 * `.cargo/config.toml` builds kernel code (`-C code-model=kernel -C target-feature=-sse`) but
 * leaves the red zone on. Saving lib.rs runs `cargo rustc -- --emit=asm` in a target directory of
 * its own and puts the findings on lib.rs: the stores below RSP happen in `core::ptr`, inlined, so
 * they land on the function's line. With `-C no-redzone=y` added there are none. Then a crate
 * built for a custom target JSON that leaves the red zone on, and the same with it off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { requireTool } from '../support/tools';
import { startTestServer } from './harness';

const fixture = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'rust-kernel-crate');

async function diagnosticsOf(crate: string): Promise<{ diagnostics: Diagnostic[]; source: string }> {
  const lib = join(crate, 'src', 'lib.rs');
  const uri = pathToFileURL(lib).href;
  const source = readFileSync(lib, 'utf8');
  const { client } = await startTestServer({ workspaceFolders: [pathToFileURL(crate).href], initializationOptions: { workspaceTrusted: true } });
  try {
    await client.open(uri, source, 'rust');
    const published = await client.publication(uri, 0);
    return { diagnostics: published.diagnostics, source };
  } finally {
    client.dispose();
  }
}

test('saving a kernel crate built with the red zone puts its findings on the function line of lib.rs', { timeout: 300_000 }, async () => {
  requireTool('cargo');
  const crate = mkdtempSync(join(tmpdir(), 'redzone-crate-'));
  cpSync(fixture, crate, { recursive: true });
  try {
    const { diagnostics, source } = await diagnosticsOf(crate);
    const fnLine = source.split('\n').findIndex((line) => line.includes('pub extern "C" fn leaf_sum'));
    const stores = diagnostics.filter((diagnostic) => diagnostic.code === 'red-zone-store');
    assert.ok(stores.length > 0, JSON.stringify(diagnostics, null, 1));
    for (const diagnostic of diagnostics) assert.equal(diagnostic.range.start.line, fnLine, JSON.stringify(diagnostic));
    const message = typeof stores[0]!.message === 'string' ? stores[0]!.message : stores[0]!.message.value;
    assert.match(message, /In 'leaf_sum'/);
    assert.match(message, /'#!\[no_std\]' and .*'-C code-model=kernel'.* without '-C no-redzone=y'/);
    // The crate's own target directory is never written.
    assert.equal(existsSync(join(crate, 'target')), false);

    // The fix: the red zone off in the crate's flags.
    const config = join(crate, '.cargo', 'config.toml');
    writeFileSync(config, readFileSync(config, 'utf8').replace('"target-feature=-sse"', '"target-feature=-sse", "-C", "no-redzone=y"'));
    assert.deepEqual((await diagnosticsOf(crate)).diagnostics, []);
  } finally {
    rmSync(crate, { recursive: true, force: true });
  }
});

/**
 * A crate that builds for a custom target JSON, as kernels written in Rust do: the spec is the
 * installed rustc's own `x86_64-unknown-none` (printed at test time, so its format is this
 * rustc's) with `"disable-redzone": false`. No `core` exists for a custom target without
 * `-Z build-std` (and the rust-src it needs), so the crate is `#![no_core]` with the few lang items
 * it uses. Both need unstable features: RUSTC_BOOTSTRAP=1, as Linux's Kbuild sets for its Rust.
 */
function targetJsonCrate(dir: string): void {
  const env = { ...process.env, RUSTC_BOOTSTRAP: '1' };
  const spec = execFileSync('rustc', ['-Z', 'unstable-options', '--print', 'target-spec-json', '--target', 'x86_64-unknown-none'], { encoding: 'utf8', env });
  const parsed = JSON.parse(spec) as Record<string, unknown>;
  assert.equal(parsed['disable-redzone'], true, 'x86_64-unknown-none turns the red zone off; the crate turns it back on');
  writeFileSync(join(dir, 'kernel-target.json'), `${JSON.stringify({ ...parsed, 'disable-redzone': false }, null, 2)}\n`);
  mkdirSync(join(dir, 'src'), { recursive: true });
  mkdirSync(join(dir, '.cargo'), { recursive: true });
  writeFileSync(join(dir, 'Cargo.toml'), '[package]\nname = "kern"\nversion = "0.1.0"\nedition = "2021"\n\n[profile.dev]\npanic = "abort"\n');
  // Newer cargo reads a `.json` target only with `-Z json-target-spec`; older cargo has no such flag.
  const zFlags = spawnSync('cargo', ['-Z', 'help'], { encoding: 'utf8', env }).stdout ?? '';
  const unstable = zFlags.includes('json-target-spec') ? '\n[unstable]\njson-target-spec = true\n' : '';
  writeFileSync(join(dir, '.cargo', 'config.toml'), `# A custom kernel target; its JSON leaves the red zone on.\n[build]\ntarget = "kernel-target.json"\n${unstable}`);
  // Since Rust 1.89 `Sized` sits on `MetaSized` and `PointeeSized`; older compilers know only `Sized`.
  const hierarchy = '#[lang = "pointee_sized"]\npub trait PointeeSized {}\n#[lang = "meta_sized"]\npub trait MetaSized: PointeeSized {}\n#[lang = "sized"]\npub trait Sized: MetaSized {}\n';
  const flat = '#[lang = "sized"]\npub trait Sized {}\n';
  const probe = (items: string) => spawnSync('rustc', ['--crate-type', 'lib', '--emit', 'metadata', '-o', join(dir, 'probe.rmeta'), '-'], { input: `#![feature(no_core, lang_items)]\n#![no_core]\n${items}`, env }).status === 0;
  const prelude = probe(hierarchy) ? hierarchy : flat;
  rmSync(join(dir, 'probe.rmeta'), { force: true });
  writeFileSync(
    join(dir, 'src', 'lib.rs'),
    [
      '#![feature(no_core, lang_items)]',
      '#![allow(internal_features)]',
      '#![no_core]',
      '',
      prelude + '#[lang = "copy"]\npub trait Copy {}\nimpl Copy for u64 {}',
      '',
      '/// Unoptimized, each argument gets a stack slot for the debugger: below RSP, in the red zone.',
      '#[no_mangle]',
      'pub extern "C" fn leaf_pick(a: u64, b: u64) -> u64 {',
      '    let first = a;',
      '    let _second = b;',
      '    first',
      '}',
      '',
    ].join('\n'),
  );
}

test('saving a crate built for a custom target JSON without "disable-redzone": true shows its findings; with it, none', { timeout: 300_000 }, async () => {
  requireTool('cargo');
  requireTool('rustc', 'rustc');
  const crate = mkdtempSync(join(tmpdir(), 'redzone-target-crate-'));
  const bootstrap = process.env.RUSTC_BOOTSTRAP;
  // The server runs in this process, so the cargo it starts sees this.
  process.env.RUSTC_BOOTSTRAP = '1';
  try {
    targetJsonCrate(crate);
    const { diagnostics, source } = await diagnosticsOf(crate);
    const stores = diagnostics.filter((diagnostic) => diagnostic.code === 'red-zone-store');
    assert.ok(stores.length > 0, JSON.stringify(diagnostics, null, 1));
    const fnLine = source.split('\n').findIndex((line) => line.includes('pub extern "C" fn leaf_pick'));
    for (const diagnostic of stores) assert.equal(diagnostic.range.start.line, fnLine, JSON.stringify(diagnostic));
    const message = typeof stores[0]!.message === 'string' ? stores[0]!.message : stores[0]!.message.value;
    assert.match(message, /In 'leaf_pick'/);
    assert.match(message, /custom target 'kernel-target\.json'.*which does not set "disable-redzone": true/);
    assert.equal(existsSync(join(crate, 'target')), false);

    // The fix in the target JSON itself: the red zone off, and nothing is left.
    const target = join(crate, 'kernel-target.json');
    writeFileSync(target, readFileSync(target, 'utf8').replace('"disable-redzone": false', '"disable-redzone": true'));
    assert.deepEqual((await diagnosticsOf(crate)).diagnostics, []);
  } finally {
    if (bootstrap === undefined) delete process.env.RUSTC_BOOTSTRAP;
    else process.env.RUSTC_BOOTSTRAP = bootstrap;
    rmSync(crate, { recursive: true, force: true });
  }
});
