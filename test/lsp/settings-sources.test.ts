/**
 * Settings reach the server three ways: `workspace/configuration` (VS Code), `initializationOptions`
 * and `workspace/didChangeConfiguration` (Neovim's `init_options` and `settings`, Helix, Emacs).
 * A client that announces `workspace/configuration` but knows no `redzone` section answers null,
 * as Neovim does; the settings it passed at start must still hold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { redzoneSection } from '../../server/src/lsp/settings';
import { startTestServer } from './harness';

// The gcc -O0 fixture without its magic comment: user code unless a setting says otherwise.
const userAsm = readFileSync('test/fixtures/lsp/kernel.s', 'utf8').replace('# redzone: kernel\n', '# irq_vector_to_line\n');
const uri = 'file:///work/project/arch/x86/irq.s';
const folder = 'file:///work/project';
const kernelFiles = { kernelFiles: ['arch/**/*.s'] };

const stores = (diagnostics: { code?: string | number }[]): number => diagnostics.filter((d) => d.code === 'red-zone-store').length;

test('the redzone section is found however a client nests it', () => {
  assert.deepEqual(redzoneSection({ redzone: kernelFiles }), kernelFiles);
  assert.deepEqual(redzoneSection({ settings: { redzone: kernelFiles } }), kernelFiles);
  assert.deepEqual(redzoneSection({ settings: kernelFiles }), kernelFiles);
  assert.deepEqual(redzoneSection(kernelFiles), kernelFiles);
  for (const nothing of [null, undefined, 42, 'x', [], { other: 1 }, { settings: null }, { redzone: null }]) assert.equal(redzoneSection(nothing), undefined);
});

for (const [how, initializationOptions] of [
  ['{ redzone: {...} }', { redzone: kernelFiles }],
  ['{ settings: {...} }', { settings: kernelFiles }],
  ['the section itself', kernelFiles],
] as const) {
  test(`initializationOptions as ${how} set kernelFiles, also when the client answers workspace/configuration with null`, async () => {
    for (const configuration of [true, false]) {
      const { client } = await startTestServer({ configuration, settings: null, initializationOptions, workspaceFolders: [folder] });
      await client.open(uri, userAsm);
      const { diagnostics } = await client.diagnostics(uri);
      assert.equal(stores(diagnostics), 2, `configuration=${configuration}: ${JSON.stringify(diagnostics.map((d) => d.message))}`);
      client.dispose();
    }
  });
}

test('workspace/didChangeConfiguration pushes kernelFiles and takes them back, with a client that answers null', async () => {
  const { client } = await startTestServer({ configuration: true, settings: null, workspaceFolders: [folder] });
  await client.open(uri, userAsm);
  assert.equal(stores((await client.diagnostics(uri)).diagnostics), 0);
  await client.pushSettings({ redzone: kernelFiles });
  await client.diagnostics(uri, (params) => stores(params.diagnostics) === 2);
  await client.pushSettings({ redzone: { kernelFiles: [] } });
  await client.diagnostics(uri, (params) => params.diagnostics.length === 0);
  client.dispose();
});

test('a client that answers workspace/configuration with a redzone section wins over initializationOptions', async () => {
  const { client } = await startTestServer({ configuration: true, settings: { userFiles: ['**'] }, initializationOptions: { redzone: kernelFiles }, workspaceFolders: [folder] });
  await client.open(uri, userAsm);
  assert.equal(stores((await client.diagnostics(uri)).diagnostics), 0);
  client.dispose();
});
