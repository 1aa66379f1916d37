/**
 * The fixes that edit the analyzed file: the magic comment and `redzone-ignore`, in each
 * assembler's comment syntax.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits, commentStyleFor, ignoreLineEdit, tagFileEdit, type CommentStyle } from '../../server/src/core/fixes/index';

const apply = (text: string, edit: ReturnType<typeof tagFileEdit>) => (edit === undefined ? undefined : applyEdits(text, [edit]));

test('comment syntax follows the language, the extension, then the content', () => {
  const cases: [Parameters<typeof commentStyleFor>[0], CommentStyle][] = [
    [{ languageId: 'nasm', fileName: 'a.s', text: '' }, 'semicolon'],
    [{ fileName: 'boot.asm', text: 'bits 64\nsection .text\n' }, 'semicolon'],
    [{ fileName: 'boot.asm', text: '\t.text\n\t.globl main\n' }, 'hash'],
    [{ fileName: 'entry.S', text: '' }, 'block'],
    [{ fileName: 'a.s', text: '' }, 'hash'],
    [{ languageId: 'asm', fileName: 'untitled:1', text: 'default rel\n' }, 'semicolon'],
    [{ languageId: 'asm', fileName: 'x.lst', text: '0000000000001139 <f>:\n' }, 'hash'],
  ];
  for (const [context, style] of cases) assert.equal(commentStyleFor(context), style, JSON.stringify(context));
});

test('tagging inserts the magic comment as line 1, in each syntax', () => {
  assert.equal(apply('\t.text\n', tagFileEdit('\t.text\n', 'hash', 'user')), '# redzone: user\n\t.text\n');
  assert.equal(apply('bits 64\r\n', tagFileEdit('bits 64\r\n', 'semicolon', 'kernel')), '; redzone: kernel\r\nbits 64\r\n');
  assert.equal(apply('#include <x.h>\n', tagFileEdit('#include <x.h>\n', 'block', 'user')), '/* redzone: user */\n#include <x.h>\n');
});

test('tagging rewrites an existing magic comment and is idempotent', () => {
  const text = '/* boot code */\n# redzone: kernel\n\tcli\n';
  const user = apply(text, tagFileEdit(text, 'hash', 'user'));
  assert.equal(user, '/* boot code */\n# redzone: user\n\tcli\n');
  assert.equal(tagFileEdit(user!, 'hash', 'user'), undefined);
});

test('ignore appends a comment, or extends the trailing one, once', () => {
  const text = '\tmovl %edi, -20(%rbp)\n\tmovl -4(%rsp), %eax   # reload\nmov [rsp-8], rax ; spill\n';
  const first = apply(text, ignoreLineEdit(text, 0, 'hash'))!;
  assert.equal(first.split('\n')[0], '\tmovl %edi, -20(%rbp)  # redzone-ignore');
  assert.equal(ignoreLineEdit(first, 0, 'hash'), undefined);
  assert.equal(apply(text, ignoreLineEdit(text, 1, 'hash'))!.split('\n')[1], '\tmovl -4(%rsp), %eax   # reload redzone-ignore');
  assert.equal(apply(text, ignoreLineEdit(text, 2, 'semicolon'))!.split('\n')[2], 'mov [rsp-8], rax ; spill redzone-ignore');
  assert.equal(apply(text, ignoreLineEdit(text, 0, 'block'))!.split('\n')[0], '\tmovl %edi, -20(%rbp)  /* redzone-ignore */');
  assert.equal(ignoreLineEdit(text, 99, 'hash'), undefined);
});

test('a # inside a string is not a comment', () => {
  const text = '\t.ascii "#"\n';
  assert.equal(apply(text, ignoreLineEdit(text, 0, 'hash')), '\t.ascii "#"  # redzone-ignore\n');
});
