/**
 * Rust on save, through the protocol, with the real cargo: a `#![no_std]` crate whose
 * `.cargo/config.toml` builds kernel code (`-C code-model=kernel -C target-feature=-sse`) but
 * leaves the red zone on. Saving lib.rs runs `cargo rustc -- --emit=asm` in a target directory of
 * its own and puts the findings on lib.rs: the stores below RSP happen in `core::ptr`, inlined, so
 * they land on the function's line. With `-C no-redzone=y` added there are none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
