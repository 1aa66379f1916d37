/**
 * CLI behaviour that needs real findings from the analysis engine (these tests were marked
 * `{ todo: 'engine' }` until the engine landed).
 *
 * The fixture `test/fixtures/cli/kernel-leaf.s` is gcc -O0 kernel code: after `push %rbp;
 * mov %rsp,%rbp`, line 13 stores %edi at -20(%rbp) = RSP-20 and line 14 loads it back.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseJson, runCli } from './run-cli';

describe('check with findings (engine)', () => {
  test('kernel-leaf.s: warnings exit 1', () => {
    assert.equal(runCli(['check', 'kernel-leaf.s']).status, 1);
  });

  test('kernel-leaf.s: JSON findings carry 1-based positions, kind, offset, size and the kernel reason', () => {
    const doc = parseJson(runCli(['check', '--format', 'json', 'kernel-leaf.s']));
    const store = doc.findings.find((finding: { code: string }) => finding.code === 'red-zone-store');
    assert.ok(store, 'a red-zone-store finding');
    assert.deepEqual(Object.keys(store).slice(0, 13), ['path', 'line', 'column', 'endLine', 'endColumn', 'function', 'code', 'severity', 'kind', 'offset', 'size', 'message', 'kernelReason']);
    assert.equal(store.path, 'kernel-leaf.s');
    assert.equal(store.line, 13);
    // The span is the instruction or its memory operand (the engine decides); either lies after the tab.
    assert.ok(store.column >= 2);
    assert.equal(store.endLine, 13);
    assert.ok(store.endColumn > store.column);
    assert.equal(store.function, 'leaf');
    assert.equal(store.severity, 'warning');
    assert.equal(store.kind, 'store');
    assert.equal(store.offset, -20);
    assert.equal(store.size, 4);
    assert.match(store.kernelReason, /redzone: kernel/);
    const load = doc.findings.find((finding: { code: string }) => finding.code === 'red-zone-load');
    assert.ok(load, 'a red-zone-load finding');
    assert.equal(load.line, 14);
    assert.equal(load.kind, 'load');
    assert.equal(doc.files[0].kernel, true);
    assert.equal(doc.files[0].functions, 1);
    assert.equal(doc.stats.byCode['red-zone-store'], 1);
  });

  test('kernel-leaf.s: gcc-style text with the source line, a caret and a kernel note', () => {
    const result = runCli(['check', 'kernel-leaf.s']);
    assert.match(result.stdout, /^kernel-leaf\.s:13:\d+: warning: .* \[red-zone-store\]$/m);
    assert.match(result.stdout, /^ 13 \| {9}movl {4}%edi, -20\(%rbp\)$/m);
    assert.match(result.stdout, /^ {4}\| {9,}\^~+$/m);
    assert.match(result.stdout, /^kernel-leaf\.s:13:\d+: note: kernel code: .*redzone: kernel/m);
    assert.match(result.stdout, /2 findings \(0 errors, 2 warnings, 0 info\)/);
  });

  test('kernel-leaf.s: SARIF results with rule, level and region', () => {
    const log = parseJson(runCli(['check', '--format', 'sarif', 'kernel-leaf.s']));
    const result = log.runs[0].results.find((item: { ruleId: string }) => item.ruleId === 'red-zone-store');
    assert.ok(result);
    assert.equal(result.level, 'warning');
    assert.equal(log.runs[0].tool.driver.rules[result.ruleIndex].id, 'red-zone-store');
    const location = result.locations[0].physicalLocation;
    assert.equal(location.artifactLocation.uri, 'kernel-leaf.s');
    assert.equal(location.region.startLine, 13);
    const json = parseJson(runCli(['check', '--format', 'json', 'kernel-leaf.s']));
    assert.equal(location.region.startColumn, json.findings.find((f: { code: string }) => f.code === 'red-zone-store').column);
  });

  test('kernel-leaf.s with --user: no kernel warnings, exit 0', () => {
    const doc = parseJson(runCli(['check', '--format', 'json', '--user', 'kernel-leaf.s']));
    assert.equal(doc.files[0].kernel, false);
    assert.deepEqual(
      doc.findings.filter((finding: { severity: string }) => finding.severity !== 'information'),
      [],
    );
    // The magic comment is beaten only by --user; the kernel verdict must be visible without it.
    assert.equal(parseJson(runCli(['check', '--format', 'json', 'kernel-leaf.s'])).files[0].kernel, true);
  });

  test('layout kernel-leaf.s 13 draws the frame with the red-zone slot and the interrupt frame', () => {
    const result = runCli(['layout', 'kernel-leaf.s', '13']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^leaf at kernel-leaf\.s:13:/);
    assert.match(result.stdout, /return address/);
    assert.match(result.stdout, /---- RSP, RBP ----/);
    assert.match(result.stdout, /\[RSP-20, RSP-16\)\s+4\s+.*13.*overwritten/);
    assert.match(result.stdout, /RSP-56: an interrupt frame reaches down to here/);
  });
});
