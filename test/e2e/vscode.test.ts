/**
 * A real VS Code end to end: code-server 4.100.3 (VS Code 1.100.3) with the packaged `.vsix`
 * installed, driven by Debian's Chromium through playwright-core (see codeServer.ts and
 * notes/real-editor-tests.md for why this is the way that works here).
 *
 * A small C project whose Makefile builds `leaf.s` with `gcc -O0 -S`, tagged kernel by the
 * workspace's `redzone.kernelFiles`: opening `leaf.s` shows the squiggle and a Problems entry
 * `red-zone-store`; the hover draws the frame table; `Ctrl+.` offers "Add -mno-red-zone to
 * Makefile"; applying it changes the Makefile on disk; `make` then regenerates `leaf.s` and the
 * CLI finds nothing in it. Screenshots go to docs/screenshots/ for the README.
 *
 * Run by .ci/run after the main suite (scripts/test-e2e.mjs), never by `npm test`. Skipped when
 * Chromium, gcc or make is missing. Every wait polls for a selector or a file with a timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { ensureCodeServer, installExtension, startCodeServer, type CodeServerDirs, type RunningCodeServer } from './codeServer';

const chromiumPath = '/usr/bin/chromium';
const haveTools = existsSync(chromiumPath) && spawnSync('make', ['--version']).status === 0 && spawnSync('gcc', ['--version']).status === 0;
const repo = process.cwd();
const screenshots = join(repo, 'docs', 'screenshots');
const cli = join(repo, 'dist', 'cli.js');

const leafC = `/* A leaf function: at -O0 gcc keeps its locals below RSP, in the red zone. */
int leaf(int x) {
  int a = x + 1;
  int b = a * 2;
  return a + b;
}
`;

// leaf.s also depends on the Makefile, so that changing CFLAGS rebuilds it.
const makefile = `CC ?= gcc
CFLAGS = -O0 -S

leaf.s: leaf.c Makefile
\t$(CC) $(CFLAGS) -o $@ leaf.c
`;

interface CliFinding {
  readonly line: number;
  readonly code: string;
}

/** `redzone-lint check --kernel --format json` on one file: its findings. */
function check(file: string): CliFinding[] {
  const run = spawnSync(process.execPath, [cli, 'check', '--kernel', '--format', 'json', file], { encoding: 'utf8' });
  assert.ok(run.status === 0 || run.status === 1, `check failed (${run.status}): ${run.stderr}`);
  return (JSON.parse(run.stdout) as { findings: CliFinding[] }).findings;
}

/** A free TCP port on the loopback interface. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls `predicate` until it holds or `timeoutMs` passes; the polling interval is not a timing assertion. */
async function waitFor(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolveTick) => setTimeout(resolveTick, 100));
  }
}

async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, name) });
}

test('VS Code (code-server) shows the red-zone finding, the frame hover and the Makefile quick fix that removes it', { skip: !haveTools && 'chromium, gcc or make is missing', timeout: 900_000 }, async () => {
  const started = Date.now();
  const log = (line: string): void => {
    if (process.env.REDZONE_E2E_VERBOSE) console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`);
  };
  const entry = ensureCodeServer(log);
  log('code-server ready');

  const dir = mkdtempSync(join(tmpdir(), 'redzone-vscode-'));
  let server: RunningCodeServer | undefined;
  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
  try {
    // The packaged extension, exactly what users install.
    const vsix = join(dir, 'redzone-lint.vsix');
    execFileSync(process.execPath, [join(repo, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--out', vsix], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
    log('packaged');

    const project = join(dir, 'project');
    mkdirSync(join(project, '.vscode'), { recursive: true });
    writeFileSync(join(project, 'leaf.c'), leafC);
    writeFileSync(join(project, 'Makefile'), makefile);
    writeFileSync(join(project, '.vscode', 'settings.json'), JSON.stringify({ 'redzone.kernelFiles': ['**/*.s'] }, null, 2));
    execFileSync('make', ['-s'], { cwd: project });
    const asm = join(project, 'leaf.s');
    const before = check(asm);
    const first = before.find((finding) => finding.code === 'red-zone-store');
    assert.ok(first, `gcc -O0 output should store below RSP: ${JSON.stringify(before)}`);

    const dirs: CodeServerDirs = { userData: join(dir, 'user-data'), extensions: join(dir, 'extensions'), xdg: join(dir, 'xdg') };
    mkdirSync(join(dirs.userData, 'User'), { recursive: true });
    mkdirSync(dirs.xdg, { recursive: true });
    writeFileSync(
      join(dirs.userData, 'User', 'settings.json'),
      JSON.stringify({ 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'security.workspace.trust.enabled': false, 'files.refactoring.autoSave': true }, null, 2),
    );
    installExtension(entry, dirs, vsix);
    log('installed');
    server = await startCodeServer(entry, dirs, await freePort(), project);
    log('code-server listening');

    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
      env: { ...process.env, XDG_CONFIG_HOME: join(dir, 'chromium-config'), XDG_CACHE_HOME: join(dir, 'chromium-cache') },
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/?folder=${encodeURIComponent(project)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    log('workbench');

    // Open leaf.s from the Explorer.
    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'leaf.s' });
    await row.first().waitFor({ timeout: 60_000 });
    await row.first().click();
    await page.waitForSelector('.monaco-editor .squiggly-warning', { timeout: 90_000 });
    log('squiggle');
    await shoot(page, 'diagnostic.png');

    // The Problems panel lists the finding with its code.
    await page.keyboard.press('Control+Shift+M');
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'red-zone-store' });
    await problem.first().waitFor({ timeout: 30_000 });
    await shoot(page, 'problems.png');
    log('problems');

    // Put the cursor on the first finding and ask for the hover.
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+G');
    await page.keyboard.type(String(first.line));
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await page.keyboard.press('F1');
    await page.keyboard.type('Show or Focus Hover');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Show or Focus Hover' }).first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    const hover = page.locator('.monaco-hover .rendered-markdown', { hasText: 'Stack frame of' });
    await hover.first().waitFor({ timeout: 30_000 });
    const cells = await page.locator('.monaco-hover .rendered-markdown table td').allInnerTexts();
    assert.ok(cells.some((cell) => /return address/.test(cell)), `frame table cells: ${JSON.stringify(cells)}`);
    assert.ok(cells.some((cell) => /red zone/.test(cell)), `frame table cells: ${JSON.stringify(cells)}`);
    await shoot(page, 'hover.png');
    log('hover');
    await page.keyboard.press('Escape');

    // Ctrl+. offers the build fix; applying it edits the Makefile on disk.
    await page.keyboard.press('Control+.');
    const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Add -mno-red-zone to Makefile' });
    await fix.first().waitFor({ timeout: 30_000 });
    await shoot(page, 'quickfix.png');
    // The menu's pointer block swallows clicks: select the entry with the keyboard instead.
    for (let step = 0; step < 8 && !/\bfocused\b/.test((await fix.first().getAttribute('class')) ?? ''); step++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await waitFor('the Makefile to take -mno-red-zone', () => readFileSync(join(project, 'Makefile'), 'utf8').includes('-mno-red-zone'));
    log('makefile edited');
    const edited = readFileSync(join(project, 'Makefile'), 'utf8');
    assert.match(edited, /^CFLAGS = -O0 -S -mno-red-zone$/m);

    // Rebuild: the regenerated assembly no longer uses the red zone.
    execFileSync('make', ['-s'], { cwd: project });
    assert.deepEqual(check(asm), []);
    // The editor follows the file on disk: the squiggles go away.
    await page.waitForSelector('.monaco-editor .squiggly-warning', { state: 'detached', timeout: 60_000 });
    await shoot(page, 'fixed.png');
    log('rebuilt, clean');
  } finally {
    await browser?.close().catch(() => {});
    server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
