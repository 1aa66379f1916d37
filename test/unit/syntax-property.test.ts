/**
 * Property tests: the text parsers never throw and always terminate, on random text and on
 * mutations of real assembly in every dialect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { TextSyntax } from '../../server/src/core/ir';
import { detectSyntax, parseAsm, parseIntelInstructionText } from '../../server/src/core/syntax/index';

const SYNTAXES: (TextSyntax | undefined)[] = [undefined, 'att', 'intel', 'nasm', 'objdump-att', 'objdump-intel'];
const dir = join(process.cwd(), 'test', 'fixtures', 'syntax');
const corpus = readdirSync(dir)
  .filter((name) => !name.endsWith('.expected'))
  .map((name) => readFileSync(join(dir, name), 'utf8'));

/** Parses with every dialect and checks the result is well formed. */
function parseAll(text: string): void {
  detectSyntax(text);
  for (const syntax of SYNTAXES) {
    const parsed = parseAsm(text, syntax === undefined ? {} : { syntax });
    for (const item of parsed.items) {
      assert.ok(item.line >= 0);
      if (item.kind === 'insn') {
        assert.ok(item.insn.span.start >= 0 && item.insn.span.end <= text.length && item.insn.span.start <= item.insn.span.end);
      }
    }
    assert.ok(parsed.problems.every((p) => !p.message.startsWith('internal parser error')), JSON.stringify(parsed.problems));
  }
}

/** Characters that matter to the lexers, so random strings hit the interesting paths. */
const asmChar = fc.constantFrom(...'abcdefqlwxyz0123456789 \t\n\r%$*(),:;#/[]+-.@"\'<>_{}~!?\\'.split(''));
const asmText = fc.array(asmChar, { maxLength: 300 }).map((chars) => chars.join(''));

test('random strings never throw, in any dialect', () => {
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 300 }), asmText), (text) => parseAll(text)), { numRuns: 300 });
});

test('random capstone lines never throw', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 100 }), asmText), (text) => {
      const insn = parseIntelInstructionText(text, { line: 0, span: { start: 0, end: text.length } });
      assert.equal(typeof insn.mnemonic, 'string');
    }),
    { numRuns: 500 },
  );
});

test('mutations of real assembly never throw', () => {
  const mutation = fc.record({
    file: fc.nat({ max: corpus.length - 1 }),
    at: fc.nat(),
    cut: fc.nat({ max: 40 }),
    insert: fc.oneof(asmText, fc.string({ maxLength: 20 })),
  });
  fc.assert(
    fc.property(mutation, ({ file, at, cut, insert }) => {
      const text = corpus[file];
      const pos = at % (text.length + 1);
      parseAll(text.slice(0, pos) + insert + text.slice(pos + cut));
    }),
    { numRuns: 200 },
  );
});

test('pathological inputs finish quickly', () => {
  const inputs = [
    '('.repeat(20000),
    '['.repeat(20000) + ']'.repeat(20000),
    '/*'.repeat(10000),
    `\tmovq ${'-'.repeat(50000)}8(%rsp), %rax\n`,
    `\tmov rax, [${'rax+'.repeat(10000)}1]\n`,
    'a:'.repeat(20000),
    '"'.repeat(20001),
    `${'1:\n'.repeat(5000)}\tjmp 1b\n`,
    '\t'.repeat(100000),
    `   0:\t${'00 '.repeat(20000)}\n`,
  ];
  for (const text of inputs) {
    const start = Date.now();
    parseAll(text);
    assert.ok(Date.now() - start < 5000, `too slow on ${JSON.stringify(text.slice(0, 20))}`);
  }
});
