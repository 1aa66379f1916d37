/**
 * `check` on hand-written assembly with macros, through the built CLI: every problem is listed
 * (text and JSON), `stats.notAnalyzed` counts the lines not analyzed by cause, `-I` and `-D` reach
 * the preprocessors, and a finding inside a macro lands on the invoking line.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseJson, runCli, tempDir } from './run-cli';

const withProblems = [
  '# redzone: kernel',
  '\t.text',
  'f:',
  '\t.if\tunknown_symbol > 2',
  '\tmovq\t%rax, -8(%rsp)',
  '\t.endif',
  '\t@@@ garbage',
  '\tret',
  '',
].join('\n');

const header = '#define SPILL(reg) movq %reg, -8(%rsp)\n';
const usesHeader = [
  '/* redzone: kernel */',
  '#include <spill.h>',
  '\t.text',
  '\t.globl\tg',
  'g:',
  '#ifdef WITH_SPILL',
  '\tSPILL(rdi)',
  '#endif',
  '\tret',
  '',
].join('\n');

describe('check: preprocessing and problems', () => {
  test('each problem is listed with its line in text and JSON, and stats.notAnalyzed counts lines by cause', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'p.s'), withProblems);
    const text = runCli(['check', 'p.s'], dir);
    assert.match(text.stdout, /^p\.s:4: note: not analyzed: \.if unknown_symbol > 2: the condition cannot be evaluated/m);
    assert.match(text.stdout, /^p\.s:7: note: not analyzed: not understood: @@@ garbage/m);
    assert.match(text.stdout, /lines? not analyzed\.$/m);
    const doc = parseJson(runCli(['check', '--format', 'json', 'p.s'], dir));
    assert.deepEqual(doc.files[0].problems.map((p: { line: number }) => p.line), [4, 7]);
    assert.equal(doc.stats.problems, 2);
    assert.equal(doc.stats.notAnalyzed.byCause['condition not evaluated'], 3);
    assert.equal(doc.stats.notAnalyzed.byCause['line with a problem'], 1);
    assert.equal(doc.stats.notAnalyzed.lines, 4);
    assert.deepEqual(doc.findings, [], 'the store inside the unevaluated .if is not analyzed, and not reported');
  });

  test('-I and -D reach the C preprocessor of a .S file; the finding lands on the invoking line', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'inc'));
    writeFileSync(join(dir, 'inc', 'spill.h'), header);
    writeFileSync(join(dir, 'g.S'), usesHeader);
    const without = parseJson(runCli(['check', '--format', 'json', 'g.S'], dir));
    assert.match(without.files[0].problems[0].message, /not fully preprocessed .*<spill\.h> not found/);
    assert.deepEqual(without.findings, []);
    const result = runCli(['check', '--format', 'json', '-I', 'inc', '-D', 'WITH_SPILL', 'g.S'], dir);
    const doc = parseJson(result);
    assert.deepEqual(doc.files[0].problems, []);
    assert.deepEqual(doc.findings.map((f: { line: number; code: string }) => `${f.line}: ${f.code}`), ['7: red-zone-store']);
    const plain = runCli(['check', '--include-path', 'inc', '--define', 'WITH_SPILL=1', 'g.S'], dir);
    assert.match(plain.stdout, /^g\.S:7:2: warning: .*\[red-zone-store\]$/m);
  });

  test('--compile-commands: a .S file is preprocessed by its own entry (its -I and -D, through the compiler), not the built-in preprocessor', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'inc'));
    // The header defines the macro only for the real compiler: the built-in preprocessor would not see __GNUC_PATCHLEVEL__ + a define only given in the entry.
    writeFileSync(join(dir, 'inc', 'spill.h'), '#if defined(FROM_ENTRY) && defined(__GNUC_PATCHLEVEL__)\n#define SPILL(reg) movq %reg, -8(%rsp)\n#else\n#define SPILL(reg) movq %reg, 8(%rsp)\n#endif\n');
    writeFileSync(join(dir, 'g.S'), usesHeader);
    writeFileSync(join(dir, 'compile_commands.json'), JSON.stringify([{ directory: dir, file: 'g.S', arguments: ['gcc', '-c', '-Iinc', '-DFROM_ENTRY', '-DWITH_SPILL', 'g.S', '-o', 'g.o'] }]));
    const doc = parseJson(runCli(['check', '--format', 'json', '--compile-commands', 'compile_commands.json', 'g.S'], dir));
    assert.deepEqual(doc.files[0].problems, []);
    assert.deepEqual(doc.findings.map((f: { line: number; code: string }) => `${f.line}: ${f.code}`), ['7: red-zone-store']);
    // Without the database the built-in preprocessor reads the same header with the flags given here: no finding.
    const builtIn = parseJson(runCli(['check', '--format', 'json', '-I', 'inc', '-D', 'FROM_ENTRY', '-D', 'WITH_SPILL', 'g.S'], dir));
    assert.deepEqual(builtIn.findings, []);
  });
});
