/**
 * One VS Code session for an end-to-end test: the packaged extension installed into a fresh
 * code-server profile, the server started on a free port with a project folder open, and Debian's
 * Chromium (through playwright-core) showing the workbench. Everything lives under one temporary
 * folder, outside `$HOME`, and `close()` stops the browser and the whole code-server process group.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureCodeServer, installExtension, startCodeServer, type CodeServerDirs, type RunningCodeServer } from './codeServer';

/** Debian's Chromium, the browser the tests drive. */
export const chromiumPath = '/usr/bin/chromium';

/** A running workbench. */
export interface Workbench {
  readonly page: Page;
  close(): Promise<void>;
}

/** Packages the extension with vsce into `dir` (once per file name) and returns the `.vsix`. */
export function packageExtension(repo: string, dir: string): string {
  const vsix = join(dir, 'redzone-lint.vsix');
  if (!existsSync(vsix)) {
    execFileSync(process.execPath, [join(repo, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--out', vsix], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
  }
  return vsix;
}

/** How a session treats workspace trust: off (every folder trusted, the default), or on with the folder left untrusted (Restricted Mode, no prompt). */
export type TrustMode = 'trusted' | 'untrusted';

/** Starts code-server with `project` open and the `.vsix` installed, and opens it in Chromium. */
export async function openWorkbench(vsix: string, dir: string, project: string, log: (line: string) => void, trust: TrustMode = 'trusted'): Promise<Workbench> {
  const entry = ensureCodeServer(log);
  const dirs: CodeServerDirs = { userData: join(dir, 'user-data'), extensions: join(dir, 'extensions'), xdg: join(dir, 'xdg') };
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  mkdirSync(dirs.xdg, { recursive: true });
  writeFileSync(
    join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'security.workspace.trust.enabled': trust === 'untrusted',
        // Untrusted without the modal prompt: the folder opens in Restricted Mode.
        ...(trust === 'untrusted' ? { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.emptyWindow': false } : {}),
        'files.refactoring.autoSave': true,
      },
      null,
      2,
    ),
  );
  installExtension(entry, dirs, vsix);
  log('installed');
  let server: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close().catch(() => {});
    server?.stop();
  };
  try {
    server = await startCodeServer(entry, dirs, await freePort(), project, undefined, trust === 'trusted');
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
    return { page, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Opens a file from the Explorer by its name. */
export async function openFromExplorer(page: Page, name: string): Promise<void> {
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: name });
  await row.first().waitFor({ timeout: 60_000 });
  await row.first().click();
}

/** Runs a command from the palette (`F1`), waiting for its entry before pressing Enter. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.keyboard.type(title);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
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
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolveTick) => setTimeout(resolveTick, 100));
  }
}

/** Saves a screenshot of the page as `dir/name`. */
export async function shoot(page: Page, dir: string, name: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, name) });
}

/**
 * Opens the quick-fix menu at the cursor (`Ctrl+.`), waits for the entry titled `title`, calls
 * `beforeApply` (a screenshot), and applies it with the keyboard: the menu's pointer block swallows clicks.
 */
export async function applyQuickFix(page: Page, title: string, beforeApply: () => Promise<void> = async () => {}): Promise<void> {
  await page.keyboard.press('Control+.');
  const fix = page.locator('.action-widget .monaco-list-row', { hasText: title });
  await fix.first().waitFor({ timeout: 30_000 });
  await beforeApply();
  for (let step = 0; step < 8 && !/\bfocused\b/.test((await fix.first().getAttribute('class')) ?? ''); step++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
}
