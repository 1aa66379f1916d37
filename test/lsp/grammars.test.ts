/**
 * The TextMate grammars in syntaxes/ tokenized by VS Code's own engine (vscode-textmate with the
 * oniguruma wasm): each sample line names a few pieces of text and the scope they must carry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.cwd(), 'package.json'));
const vsctm = require('vscode-textmate') as typeof import('vscode-textmate');
const oniguruma = require('vscode-oniguruma') as typeof import('vscode-oniguruma');

const files: Record<string, string> = { 'source.x86.gas': 'gas-x86', 'source.x86.nasm': 'nasm-x86', 'source.x86.objdump': 'objdump-x86' };

/** [line, [text, scope prefix]...]: the first token whose text is `text` must have a scope starting with the prefix. */
const samples: Record<string, [string, [string, string][]][]> = {
  'source.x86.gas': [
    ['add3:', [['add3', 'entity.name.function.label']]],
    ['\tmovl\t%edi, -20(%rbp)  # spill', [['movl', 'keyword.other.instruction'], ['%edi', 'variable.language.register'], ['20', 'constant.numeric'], ['%rbp', 'variable.language.register'], [' spill', 'comment.line']]],
    ['\t.globl\tadd3', [['.globl', 'keyword.control.directive'], ['add3', 'entity.name']]],
    ['\tmov\tQWORD PTR [rbp-8], rax', [['mov', 'keyword.other.instruction'], ['QWORD PTR', 'storage.type.size'], ['rbp', 'variable.language.register'], ['rax', 'variable.language.register']]],
    ['\tjmp\t.L3', [['jmp', 'keyword.other.instruction'], ['.L3', 'entity.name']]],
    ['\tlock addl $0,-4(%rsp)', [['lock ', 'keyword.other.prefix'], ['addl', 'keyword.other.instruction'], ['$0', 'constant.numeric']]],
    ['#include <linux/linkage.h>', [['#include <linux/linkage.h>', 'meta.preprocessor']]],
  ],
  'source.x86.nasm': [
    ['f:', [['f', 'entity.name.function.label']]],
    ['\tmov qword [rsp-8], rax ; spill', [['mov', 'keyword.other.instruction'], ['qword', 'storage.type.size'], ['rsp', 'variable.language.register'], [' spill', 'comment.line']]],
    ['section .text', [['section', 'keyword.control.directive']]],
    ['\tdq 0x10', [['dq', 'storage.type'], ['0x10', 'constant.numeric']]],
  ],
  'source.x86.objdump': [
    ['a.o:     file format elf64-x86-64', [['file format', 'keyword.other'], ['elf64-x86-64', 'support.type']]],
    ['0000000000001139 <main>:', [['0000000000001139', 'constant.numeric.address'], ['main', 'entity.name.function']]],
    ['    1139:\t55                   \tpush   %rbp', [['1139', 'constant.numeric.address'], ['55 ', 'comment.other.raw-bytes'], ['push', 'keyword.other.instruction'], ['%rbp', 'variable.language.register']]],
    ['    113d:\t48 89 7d c8          \tmov    %rdi,-0x38(%rbp)', [['mov', 'keyword.other.instruction'], ['0x38', 'constant.numeric']]],
    ['    1150:\tadd    %eax,%edx', [['add', 'keyword.other.instruction'], ['%eax', 'variable.language.register']]],
    ['    1153:\tcall   1030 <puts@plt>', [['call', 'keyword.other.instruction'], ['puts@plt', 'entity.name.function']]],
  ],
};

test('the grammars tokenize mnemonics, registers, numbers, labels, directives and comments', async () => {
  await oniguruma.loadWASM(readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer as ArrayBuffer);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text: string) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scope: string) => {
      const file = files[scope];
      return file === undefined ? null : vsctm.parseRawGrammar(readFileSync(join('syntaxes', `${file}.tmLanguage.json`), 'utf8'), `${file}.json`);
    },
  });
  for (const [scope, lines] of Object.entries(samples)) {
    const grammar = await registry.loadGrammar(scope);
    assert.ok(grammar !== null, `${scope} loads`);
    let state = vsctm.INITIAL;
    for (const [line, expectations] of lines) {
      const result = grammar.tokenizeLine(line, state);
      state = result.ruleStack;
      const tokens = result.tokens.map((token) => ({ text: line.slice(token.startIndex, token.endIndex), scopes: token.scopes }));
      for (const [text, prefix] of expectations) {
        const token = tokens.find((t) => t.text === text);
        assert.ok(token !== undefined, `${scope}: ${JSON.stringify(line)} has a token ${JSON.stringify(text)}: ${JSON.stringify(tokens)}`);
        assert.ok(token.scopes.some((s) => s.startsWith(prefix)), `${scope}: ${JSON.stringify(text)} in ${JSON.stringify(line)} is ${token.scopes.join(' ')}, not ${prefix}`);
      }
    }
  }
});
