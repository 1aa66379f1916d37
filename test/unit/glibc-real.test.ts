/**
 * glibc's hand-written x86 assembly, as its `.S` files ship (Debian's glibc-source; the C
 * preprocessor is not run, so `ENTRY(name)` stays unexpanded). Issue 11, item 10: no glibc file may
 * be taken for an objdump listing or for Intel syntax, no finding may be attributed to a label that
 * names data (`one`, `c0` in .rodata), and start.S's `call __libc_start_main; hlt` is no kernel
 * evidence.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { test } from 'node:test';
import { analyzeText } from '../../server/src/core/index';
import { isDataSection } from '../../server/src/core/analysis/program';
import { glibcX86Sources } from '../fixtures/sources/glibc-source.mjs';

const root = process.cwd();

/** The non-local labels a file defines in data sections, by a line-by-line reading of its sections. */
function dataLabels(text: string): Set<string> {
  const labels = new Set<string>();
  let section = '.text';
  for (const line of text.split('\n')) {
    const directive = /^\s*\.(section|text|data|bss)\b\s*"?([^\s",]*)/.exec(line);
    if (directive !== null) section = directive[1] === 'section' ? directive[2]! : `.${directive[1]}`;
    const label = /^([A-Za-z_][\w$]*):/.exec(line);
    if (label !== null && isDataSection(section)) labels.add(label[1]!);
  }
  return labels;
}

test('glibc x86 .S files: AT&T, findings in code, start.S is user code', (t) => {
  const files = glibcX86Sources({ root, log: (line) => t.diagnostic(line) });
  assert.ok(files.length > 1000, `${files.length} .S files`);
  const misread: string[] = [];
  const onData: string[] = [];
  let findings = 0;
  let withData = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const report = analyzeText(text, { forcedKernel: { kernel: true, reason: 'forced by the test, to see every finding' } });
    const name = relative(root, file);
    if (report.input !== 'att') misread.push(`${name}: ${report.input} (${report.inputReason})`);
    const data = dataLabels(text);
    if (data.size > 0) withData++;
    for (const finding of report.findings) {
      findings++;
      if (data.has(finding.function)) onData.push(`${name}:${finding.line + 1}: ${finding.code} in \`${finding.function}\``);
    }
  }
  t.diagnostic(`${files.length} files, ${withData} with data labels, ${findings} findings under --kernel`);
  assert.deepEqual(misread, [], 'files not read as GAS AT&T');
  assert.deepEqual(onData, [], 'findings attributed to data labels');
  for (const start of files.filter((file) => /sysdeps\/(x86_64|i386)\/start\.S$/.test(file))) {
    const report = analyzeText(readFileSync(start, 'utf8'));
    assert.equal(report.kernel.kernel, false, `${relative(root, start)}: ${report.kernel.reason}`);
  }
});
