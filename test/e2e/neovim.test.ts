/**
 * Neovim (Debian's 0.7.2, headless) as a second, independent LSP client: it starts
 * `dist/server.js --stdio`, shows the diagnostics, gets the hover's frame table, lists the
 * quick fixes, and after an edit (didChange) shows the updated diagnostics. Run by .ci/run after
 * the main suite; skipped when `nvim` is not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const nvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
const haveNvim = nvim.status === 0;

interface NeovimResult {
  ok: boolean;
  steps: { name: string; ok: boolean }[];
  codes?: string[];
  shown?: { lnum: number; source: string; code?: string }[];
  hover?: string;
  actions?: string[];
  symbols?: string[];
  after_edit?: number[];
}

/**
 * Runs headless Neovim in `dir` (its XDG folders there) with the Lua files given, each by
 * `luafile`, in `cwd`; the driver writes its JSON result to REDZONE_RESULT, which is returned with
 * the run.
 */
function runNeovim<T>(dir: string, cwd: string, luaFiles: readonly string[], extraEnv: Record<string, string>): { result: T; run: SpawnSyncReturns<string> } {
  const resultPath = join(dir, 'result.json');
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_STATE_HOME: join(dir, 'state'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    REDZONE_RESULT: resultPath,
    ...extraEnv,
  };
  const run = spawnSync('nvim', ['--headless', '--clean', '-n', '-i', 'NONE', ...luaFiles.flatMap((file) => ['-c', `luafile ${file}`])], {
    cwd,
    env,
    encoding: 'utf8',
    // A safety net so a hung editor cannot hang CI; not a timing assertion.
    timeout: 120_000,
  });
  try {
    return { result: JSON.parse(readFileSync(resultPath, 'utf8')) as T, run };
  } catch {
    assert.fail(`nvim wrote no result (status ${run.status}, signal ${run.signal}):\n${run.stdout}\n${run.stderr}`);
  }
}

test('Neovim shows red-zone-store diagnostics, the frame hover and the quick fixes', { skip: !haveNvim && 'nvim is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'redzone-nvim-'));
  try {
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'Makefile'), 'CFLAGS = -O0\n\nadd.s: add.c\n\t$(CC) $(CFLAGS) -S $<\n');
    const file = join(project, 'add.s');
    copyFileSync('test/fixtures/lsp/kernel.s', file);
    const { result, run } = runNeovim<NeovimResult>(dir, project, [resolve('test/e2e/neovim.lua')], { REDZONE_SERVER: resolve('dist/server.js'), REDZONE_FILE: file });
    assert.ok(result.ok, `failed at ${JSON.stringify(result.steps)}\n${run.stderr}`);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(result.codes?.includes('red-zone-store'), JSON.stringify(result.codes));
    assert.ok(result.shown?.some((d) => d.source === 'redzone' && d.lnum === 8), JSON.stringify(result.shown));
    assert.match(result.hover ?? '', /in the frame of `add`/);
    assert.match(result.hover ?? '', /\| bytes \(from RSP\) \|/);
    assert.ok(result.actions?.includes('Add -mno-red-zone to Makefile'), JSON.stringify(result.actions));
    assert.ok(result.actions?.includes('Ignore on this line (redzone-ignore)'), JSON.stringify(result.actions));
    assert.ok(result.actions?.includes('Treat this file as user code (redzone: user)'), JSON.stringify(result.actions));
    assert.deepEqual(result.symbols, ['add']);
    // After the edit (didChange) the ignored line 9 has no diagnostic; lines 10 to 12 keep theirs.
    assert.deepEqual([...(result.after_edit ?? [])].sort((a, b) => a - b), [9, 10, 11]);
    if (process.env.REDZONE_E2E_VERBOSE) console.log(JSON.stringify(result, null, 1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The README's Neovim 0.7 block, exactly as written there. */
function readmeNeovimBlock(): string {
  const readme = readFileSync('README.md', 'utf8');
  const block = /<!-- neovim-0\.7 -->\s*```lua\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README has the <!-- neovim-0.7 --> lua block');
  return block[1]!.replace(/^ {2}/gm, '');
}

test("the README's Neovim 0.7 block sets kernelFiles through init_options and shows the diagnostics", { skip: !haveNvim && 'nvim is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'redzone-nvim-readme-'));
  try {
    // A project laid out as the README's glob expects, with gcc output and no magic comment.
    const project = join(dir, 'project');
    mkdirSync(join(project, 'arch', 'x86'), { recursive: true });
    const file = join(project, 'arch', 'x86', 'irq.S');
    const gccOutput = readFileSync('test/fixtures/lsp/kernel.s', 'utf8').replace('# redzone: kernel\n', '').replace(/\badd\b/g, 'irq_vector_to_line');
    writeFileSync(file, gccOutput);
    const block = readmeNeovimBlock();
    assert.match(block, /vim\.lsp\.start_client/);
    assert.match(block, /init_options = \{ redzone = \{ kernelFiles = \{ 'arch\/\*\*\/\*\.S' \} \} \}/);
    const init = join(dir, 'init.lua');
    writeFileSync(init, block.replace('/path/to/redzone-lint/dist/server.js', resolve('dist/server.js')));
    const { result, run } = runNeovim<{ ok: boolean; steps: unknown[]; filetype?: string; codes?: string[]; hover?: string; after_change?: number }>(dir, project, [init, resolve('test/e2e/neovim-readme.lua')], { REDZONE_FILE: file });
    assert.ok(result.ok, `failed at ${JSON.stringify(result.steps)} (filetype ${result.filetype})\n${run.stderr}`);
    assert.ok(result.codes?.includes('red-zone-store'), JSON.stringify(result.codes));
    // What Neovim shows in the hover: the function's name as written, the table right after one sentence.
    assert.match(result.hover ?? '', /`irq_vector_to_line`/);
    assert.doesNotMatch(result.hover ?? '', /\\_/);
    assert.match((result.hover ?? '').split('\n')[2] ?? '', /^\| bytes \(from RSP\) \|/);
    assert.equal(result.after_change, 0);
    if (process.env.REDZONE_E2E_VERBOSE) console.log(JSON.stringify(result, null, 1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
