/**
 * Compile on save in a real VS Code (code-server 4.100.3 driven by Debian's Chromium, see
 * workbench.ts): the kernel-style project of test/fixtures/kernel-project, its
 * compile_commands.json recorded by Bear, built without `-mno-red-zone`.
 *
 * Trusted: open irq.c, save, see the squiggle on the C line and the hover that names the variable,
 * the function and the missing flag; `Ctrl+.` applies "Add -mno-red-zone to Makefile"; a save
 * clears the squiggles. Untrusted (Restricted Mode): the same project never starts a compiler,
 * checked on the process list and by a compiler wrapper that leaves a marker when it runs.
 *
 * Run by .ci/run after the main suite (scripts/test-e2e.mjs). Screenshots go to docs/screenshots/.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { requireTool } from '../support/tools';
import { applyQuickFix, chromiumPath, openFromExplorer, openWorkbench, packageExtension, runCommand, shoot as shootIn, waitFor, type Workbench } from './workbench';

const haveTools = existsSync(chromiumPath) && spawnSync('make', ['--version']).status === 0 && spawnSync('gcc', ['--version']).status === 0;
const repo = process.cwd();
const fixture = join(repo, 'test', 'fixtures', 'kernel-project');
const screenshots = join(repo, 'docs', 'screenshots');
const started = Date.now();
const log = (line: string): void => {
  if (process.env.REDZONE_E2E_VERBOSE) console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`);
};
const shared = mkdtempSync(join(tmpdir(), 'redzone-vscode-sources-vsix-'));
after(() => rmSync(shared, { recursive: true, force: true }));

const shoot = (page: Page, name: string): Promise<void> => shootIn(page, screenshots, name);

/** Moves the cursor to a 1-based line of the active editor. */
async function goToLine(page: Page, line: number): Promise<void> {
  await page.keyboard.press('Control+G');
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
}

test('VS Code compiles irq.c on save: the squiggle and hover on the C line, and the Makefile fix clears them', { skip: !haveTools && 'chromium, gcc or make is missing', timeout: 900_000 }, async () => {
  requireTool('bear');
  const dir = mkdtempSync(join(tmpdir(), 'redzone-vscode-sources-'));
  let workbench: Workbench | undefined;
  try {
    const vsix = packageExtension(repo, shared);
    const project = join(dir, 'project');
    cpSync(fixture, project, { recursive: true });
    execFileSync('bear', ['--', 'make'], { cwd: project, stdio: 'ignore' });
    const source = readFileSync(join(project, 'irq.c'), 'utf8').split('\n');
    const valueLine = source.findIndex((line) => line.includes('int value = 42;')) + 1;

    workbench = await openWorkbench(vsix, dir, project, log);
    const page = workbench.page;
    await openFromExplorer(page, 'irq.c');
    await page.locator('.monaco-editor .view-lines', { hasText: 'irq_save_flags' }).first().waitFor({ timeout: 60_000 });
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+S');
    await page.waitForSelector('.monaco-editor .squiggly-warning', { timeout: 90_000 });
    log('squiggle');

    await goToLine(page, valueLine);
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    await runCommand(page, 'Show or Focus Hover');
    const hover = page.locator('.monaco-hover', { hasText: 'is stored below the stack pointer' });
    await hover.first().waitFor({ timeout: 30_000 });
    const text = await hover.first().innerText();
    // A diagnostic is plain text in every editor: names are quoted, never Markdown code spans.
    assert.match(text, /'value' \(4 bytes at RSP-4\)/);
    assert.match(text, /In 'irq_save_flags'/);
    assert.match(text, /compiled without '-mno-red-zone'/);
    assert.doesNotMatch(text, /`/);
    await shoot(page, 'source-hover.png');
    log('hover');
    await page.keyboard.press('Escape');

    await applyQuickFix(page, 'Add -mno-red-zone to Makefile', () => shoot(page, 'source-quickfix.png'));
    await waitFor('the Makefile to take -mno-red-zone', () => readFileSync(join(project, 'Makefile'), 'utf8').includes('-mno-red-zone'));
    await waitFor('compile_commands.json to take -mno-red-zone', () => readFileSync(join(project, 'compile_commands.json'), 'utf8').includes('-mno-red-zone'));
    log('fix applied');

    // Back in irq.c, a save compiles it again with the flag: no squiggle is left.
    await page.locator('.tab', { hasText: 'irq.c' }).first().click();
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+S');
    await page.waitForSelector('.monaco-editor .squiggly-warning', { state: 'detached', timeout: 60_000 });
    await page.waitForSelector('.monaco-editor .squiggly-error', { state: 'detached', timeout: 10_000 });
    await shoot(page, 'source-fixed.png');
    log('clean');
  } finally {
    await workbench?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('VS Code in Restricted Mode never starts a compiler for irq.c', { skip: !haveTools && 'chromium, gcc or make is missing', timeout: 900_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redzone-vscode-untrusted-'));
  let workbench: Workbench | undefined;
  try {
    const vsix = packageExtension(repo, shared);
    const project = join(dir, 'project');
    cpSync(fixture, project, { recursive: true });
    // The database names a compiler wrapper with a name no other process has; running it would leave a marker.
    const marker = join(dir, 'compiler-ran');
    const compiler = join(dir, 'redzone-untrusted-cc');
    writeFileSync(compiler, `#!/bin/sh\ntouch '${marker}'\nsleep 2\nexec gcc "$@"\n`);
    chmodSync(compiler, 0o755);
    writeFileSync(
      join(project, 'compile_commands.json'),
      JSON.stringify([{ directory: project, file: join(project, 'irq.c'), arguments: [compiler, '-O0', '-mcmodel=kernel', '-fno-pic', '-D__KERNEL__', '-c', '-o', 'irq.o', 'irq.c'] }]),
    );
    const seen: string[] = [];
    const watch = setInterval(() => {
      const list = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout ?? '';
      // This run's wrapper, or any compiler writing into the server's temporary folders for irq.c
      // (other processes on a shared machine compile other files into folders of the same name).
      for (const line of list.split('\n')) if (line.includes(compiler) || (line.includes('redzone-cc-') && /\birq\.c\b/.test(line))) seen.push(line);
    }, 100);
    try {
      workbench = await openWorkbench(vsix, dir, project, log, 'untrusted');
      const page = workbench.page;
      await openFromExplorer(page, 'irq.c');
      await page.locator('.monaco-editor .view-lines', { hasText: 'irq_save_flags' }).first().waitFor({ timeout: 60_000 });
      await page.locator('.monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+S');
      // The server says once why nothing is shown.
      await page.locator('.notification-list-item', { hasText: 'untrusted workspace' }).first().waitFor({ timeout: 90_000 });
      await shoot(page, 'source-untrusted.png');
      await new Promise((resolve) => setTimeout(resolve, 3000));
      assert.equal(await page.locator('.monaco-editor .squiggly-warning').count(), 0);
    } finally {
      clearInterval(watch);
    }
    assert.deepEqual(seen, [], 'a compiler process was started');
    assert.equal(existsSync(marker), false, 'the compiler wrapper ran');
  } finally {
    await workbench?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
