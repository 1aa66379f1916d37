/**
 * A real VS Code end to end: code-server 4.100.3 (VS Code 1.100.3) with the packaged `.vsix`
 * installed, driven by Debian's Chromium through playwright-core (see codeServer.ts and
 * docs/real-editors.md for why this is the way that works here).
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
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumPath, openFromExplorer, openWorkbench, packageExtension, runCommand, type Workbench } from './workbench';

const haveTools = existsSync(chromiumPath) && spawnSync('make', ['--version']).status === 0 && spawnSync('gcc', ['--version']).status === 0;
const repo = process.cwd();
const screenshots = join(repo, 'docs', 'screenshots');
const cli = join(repo, 'dist', 'cli.js');
const started = Date.now();
const log = (line: string): void => {
  if (process.env.REDZONE_E2E_VERBOSE) console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`);
};
// One .vsix for both tests, packaged on first use.
const shared = mkdtempSync(join(tmpdir(), 'redzone-vscode-vsix-'));
after(() => rmSync(shared, { recursive: true, force: true }));

const leafC = `/* A leaf function: at -O0 gcc keeps its locals below RSP, in the red zone. */
int leaf(int x) {
  int a = x + 1;
  volatile long slot = 42;
  int b = a * 2;
  return a + b + (int)slot;
}
`;

/** The Zephyr shape: a red-zone local, then an inline pushfq that overwrites it. */
const irqC = `/* At -O0 gcc keeps \`line\` below RSP; the inline pushfq writes over it. */
int irq_vector_to_line(int vector) {
  volatile int line = 42 + vector;
  __asm__ volatile("pushfq; popq %%rax" ::: "rax");
  return line;
}
`;

// irq.s is made by a rule that does not depend on the Makefile, as in the issue: after the fix,
// plain \`make\` says it is up to date, and the notification says how to rebuild it.
const makefile = `CC ?= gcc
CFLAGS = -O0 -S

irq.s: irq.c
\t$(CC) $(CFLAGS) -o $@ irq.c
`;

/** Moves the cursor to the end of a 1-based line. */
async function goToLine(page: Page, line: number): Promise<void> {
  await page.keyboard.press('Control+G');
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
  await page.keyboard.press('End');
}

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
  const dir = mkdtempSync(join(tmpdir(), 'redzone-vscode-'));
  let workbench: Workbench | undefined;
  try {
    // The packaged extension, exactly what users install.
    const vsix = packageExtension(repo, shared);
    log('packaged');

    const project = join(dir, 'project');
    mkdirSync(join(project, '.vscode'), { recursive: true });
    writeFileSync(join(project, 'irq.c'), irqC);
    writeFileSync(join(project, 'Makefile'), makefile);
    writeFileSync(join(project, '.vscode', 'settings.json'), JSON.stringify({ 'redzone.kernelFiles': ['**/*.s'] }, null, 2));
    execFileSync('make', ['-s'], { cwd: project });
    const asm = join(project, 'irq.s');
    const asmLines = readFileSync(asm, 'utf8').split('\n');
    const before = check(asm);
    const first = before.find((finding) => finding.code === 'red-zone-store');
    assert.ok(first, `gcc -O0 output should store below RSP: ${JSON.stringify(before)}`);
    const clobbered = before.find((finding) => finding.code === 'red-zone-clobbered');
    assert.ok(clobbered, `the pushfq clobbers the local: ${JSON.stringify(before)}`);
    const pushfLine = asmLines.findIndex((line) => /pushfq/.test(line)) + 1;

    workbench = await openWorkbench(vsix, dir, project, log);
    const page = workbench.page;

    // Open irq.s from the Explorer.
    await openFromExplorer(page, 'irq.s');
    await page.waitForSelector('.monaco-editor .squiggly-warning', { timeout: 90_000 });
    log('squiggle');
    await shoot(page, 'diagnostic.png');

    // 12: the status bar says kernel code, and its tooltip shows the reason as text, not Markdown source.
    const status = page.locator('.statusbar-item', { hasText: 'Kernel' }).first();
    await status.waitFor({ timeout: 30_000 });
    await status.hover();
    const tooltip = page.locator('.monaco-hover .rendered-markdown', { hasText: 'kernel code' }).first();
    await tooltip.waitFor({ timeout: 30_000 });
    const tooltipText = await tooltip.innerText();
    assert.match(tooltipText, /irq\.s matches the redzone\.kernelFiles glob \*\*\/\*\.s/, tooltipText);
    assert.doesNotMatch(tooltipText, /[`\\]/, `the status tooltip shows Markdown source: ${tooltipText}`);
    await page.mouse.move(640, 300);

    // The Problems panel lists the findings with their codes; 11: the clobber names the pushfq's line.
    await page.keyboard.press('Control+Shift+M');
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'red-zone-store' });
    await problem.first().waitFor({ timeout: 30_000 });
    const clobberRow = page.locator('.markers-panel .monaco-list-row', { hasText: 'overwritten by' }).first();
    await clobberRow.waitFor({ timeout: 30_000 });
    const clobberText = await clobberRow.innerText();
    assert.match(clobberText, new RegExp(`overwritten by 'pushfq' \\(line ${pushfLine}\\)`), clobberText);
    assert.doesNotMatch(clobberText, /`/, 'a diagnostic is plain text: no Markdown code spans');
    await shoot(page, 'problems.png');
    log('problems');

    // Put the cursor on the first finding and ask for the hover.
    await page.locator('.monaco-editor .view-lines').first().click();
    await goToLine(page, first.line);
    await runCommand(page, 'Show or Focus Hover');
    const hover = page.locator('.monaco-hover .rendered-markdown', { hasText: 'in the frame of' });
    await hover.first().waitFor({ timeout: 30_000 });
    const cells = await page.locator('.monaco-hover .rendered-markdown table td').allInnerTexts();
    assert.ok(cells.some((cell) => /return address/.test(cell)), `frame table cells: ${JSON.stringify(cells)}`);
    assert.ok(cells.some((cell) => /red zone/.test(cell)), `frame table cells: ${JSON.stringify(cells)}`);
    // 12: the function's name as written, no Markdown escapes.
    const widget = page.locator('.monaco-hover').filter({ hasText: 'in the frame of' }).last();
    const hoverText = await widget.innerText();
    assert.match(hoverText, /irq_vector_to_line/);
    assert.doesNotMatch(hoverText, /\\/, `the hover shows a backslash: ${hoverText}`);
    // 13: the table's rows are in the hover's first screen, without scrolling.
    const box = await widget.boundingBox();
    const lastRow = await widget.locator('.rendered-markdown table tr').last().boundingBox();
    assert.ok(box && lastRow, 'the hover and its table are drawn');
    assert.ok(lastRow.y + lastRow.height <= box.y + box.height, `the table ends at ${lastRow.y + lastRow.height}, below the hover's bottom ${box.y + box.height}`);
    await shoot(page, 'hover.png');
    log('hover');
    await page.keyboard.press('Escape');

    // 16: Show Stack Frame at Cursor, twice: one read-only preview, no Untitled document.
    for (let use = 0; use < 2; use++) {
      await page.locator('.monaco-editor .view-lines').first().click();
      await goToLine(page, first.line);
      await runCommand(page, 'Red Zone: Show Stack Frame at Cursor');
      await page.locator('.tab', { hasText: 'Stack Frame.md' }).first().waitFor({ timeout: 30_000 });
    }
    const tabs = await page.locator('.tab').allInnerTexts();
    assert.equal(tabs.filter((tab) => /Stack Frame\.md/.test(tab)).length, 1, `tabs: ${JSON.stringify(tabs)}`);
    assert.ok(!tabs.some((tab) => /Untitled/.test(tab)), `tabs: ${JSON.stringify(tabs)}`);
    await shoot(page, 'frame.png');
    log('stack frame');
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+W');
    await openFromExplorer(page, 'irq.s');

    // Ctrl+. offers the build fix; applying it edits the Makefile on disk.
    await page.locator('.monaco-editor .view-lines').first().click();
    await goToLine(page, first.line);
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

    // 15: the notification says what changed and how to rebuild, and offers to open the Makefile.
    const notice = page.locator('.notification-list-item', { hasText: 'Added -mno-red-zone to Makefile' }).first();
    await notice.waitFor({ timeout: 30_000 });
    const noticeText = await notice.innerText();
    assert.match(noticeText, /line 2: CFLAGS = -O0 -S -mno-red-zone/);
    const rebuild = /"(make -B irq\.s)"/.exec(noticeText);
    assert.ok(rebuild, `the notification names the rebuild command: ${noticeText}`);
    await notice.locator('.monaco-button', { hasText: 'Open Makefile' }).waitFor({ timeout: 10_000 });
    await shoot(page, 'fixnotice.png');
    // As the notification says: plain make would not rebuild irq.s.
    assert.match(execFileSync('make', [], { cwd: project, encoding: 'utf8' }), /up to date|Nothing to be done/);
    await notice.locator('.monaco-button', { hasText: 'Open Makefile' }).click();
    await page.locator('.tab', { hasText: 'Makefile' }).first().waitFor({ timeout: 30_000 });

    // Rebuild as told: the regenerated assembly no longer uses the red zone.
    execFileSync('sh', ['-c', rebuild[1]!], { cwd: project });
    assert.deepEqual(check(asm), []);
    await openFromExplorer(page, 'irq.s');
    // The editor follows the file on disk: the squiggles go away.
    await page.waitForSelector('.monaco-editor .squiggly-warning', { state: 'detached', timeout: 60_000 });
    await page.waitForSelector('.monaco-editor .squiggly-error', { state: 'detached', timeout: 60_000 });
    await shoot(page, 'fixed.png');
    log('rebuilt, clean');
  } finally {
    await workbench?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('VS Code scans the build output onto the C source and opens the disassembly with its findings', { skip: !haveTools && 'chromium, gcc or make is missing', timeout: 900_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redzone-vscode-objects-'));
  let workbench: Workbench | undefined;
  try {
    const vsix = packageExtension(repo, shared);
    const project = join(dir, 'project');
    mkdirSync(join(project, '.vscode'), { recursive: true });
    mkdirSync(join(project, 'build'));
    writeFileSync(join(project, 'leaf.c'), leafC);
    // Kernel objects, as a kernel build tags them for the scan: by glob here.
    writeFileSync(join(project, '.vscode', 'settings.json'), JSON.stringify({ 'redzone.kernelFiles': ['**/*.o'], 'redzone.objectGlobs': ['build/*.o'] }, null, 2));
    execFileSync('gcc', ['-O0', '-g', '-c', 'leaf.c', '-o', 'build/leaf.o'], { cwd: project });

    workbench = await openWorkbench(vsix, dir, project, log);
    const page = workbench.page;
    await openFromExplorer(page, 'leaf.c');
    await page.locator('.monaco-editor .view-lines', { hasText: 'int leaf' }).first().waitFor({ timeout: 60_000 });
    await runCommand(page, 'Red Zone: Scan Build Output for Red-Zone Use');
    await page.locator('.notification-list-item', { hasText: 'Scanned 1 object' }).first().waitFor({ timeout: 60_000 });
    await page.waitForSelector('.monaco-editor .squiggly-warning', { timeout: 30_000 });
    // The progress notification closes when the scan ends.
    await page.locator('.notification-list-item', { hasText: 'scanning build output' }).first().waitFor({ state: 'detached', timeout: 30_000 });
    await shoot(page, 'scan.png');
    log('scanned');
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'in build/leaf.o, function leaf' }).first().waitFor({ timeout: 30_000 });

    await runCommand(page, 'Red Zone: Open Disassembly');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'leaf.o' }).first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    await page.locator('.tab', { hasText: 'leaf.o.dis' }).first().waitFor({ timeout: 30_000 });
    await page.locator('.monaco-editor .view-lines', { hasText: '<leaf>:' }).first().waitFor({ timeout: 30_000 });
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'leaf.o.dis' }).first().waitFor({ timeout: 30_000 });
    await shoot(page, 'disassembly.png');
    log('disassembly');

    // 14: in the disassembly's frame table, `movq $0x2a,OFF(%rbp)` is a write of its slot.
    const listing = execFileSync(process.execPath, [cli, 'disasm', join(project, 'build', 'leaf.o')], { encoding: 'utf8' }).split('\n');
    const storeIndex = listing.findIndex((line) => /movq\s+\$0x2a,(-0x[0-9a-f]+)\(%rbp\)/.test(line));
    assert.ok(storeIndex >= 0, listing.join('\n'));
    const slot = /movq\s+\$0x2a,(-0x[0-9a-f]+)\(%rbp\)/.exec(listing[storeIndex]!)![1]!;
    const loadIndex = listing.findIndex((line, index) => index > storeIndex && line.includes(`mov    ${slot}(%rbp),`));
    assert.ok(loadIndex > storeIndex, listing.join('\n'));
    await page.locator('.monaco-editor .view-lines', { hasText: '<leaf>:' }).first().click();
    await goToLine(page, loadIndex + 1);
    await runCommand(page, 'Show or Focus Hover');
    await page.locator('.monaco-hover .rendered-markdown table').first().waitFor({ timeout: 30_000 });
    const rows = await page.locator('.monaco-hover .rendered-markdown table tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));
    assert.ok(
      rows.some((cells) => cells[3] === `line ${storeIndex + 1}` && (cells[4] ?? '').includes(`${loadIndex + 1}`)),
      `the slot at ${slot} is written at line ${storeIndex + 1} and read at ${loadIndex + 1}: ${JSON.stringify(rows)}`,
    );
    await page.keyboard.press('Escape');
  } finally {
    await workbench?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
