/** The frame layout at an instruction: the facts `redzone-lint layout` prints and the hover draws. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameLayoutAt } from '../../server/src/core/index';

const text = [
  '# redzone: kernel', //      0
  '\t.globl\tf', //            1
  'f:', //                     2
  '\tpushq\t%rbp', //          3
  '\tmovq\t%rsp, %rbp', //     4
  '\tpushq\t%rbx', //          5
  '\tsubq\t$16, %rsp', //      6
  '\tmovl\t%edi, 12(%rsp)', // 7
  '\tmovl\t%esi, -4(%rsp)', // 8
  '\tmovl\t-4(%rsp), %eax', // 9
  '\taddq\t$16, %rsp', //      10
  '\tpopq\t%rbx', //           11
  '\tpopq\t%rbp', //           12
  '\tret', //                  13
  '',
].join('\n');

test('the frame at a red-zone load: return address, saved registers, local, red-zone slot, marks', () => {
  const layout = frameLayoutAt(text, 9);
  assert.ok(layout !== undefined);
  assert.equal(layout.function, 'f');
  assert.equal(layout.rspFromEntry, -32);
  assert.equal(layout.rbpFromRsp, 24);
  assert.deepEqual(layout.interruptFrame, { from: -56, to: 0 });
  assert.equal(layout.redZoneSize, 128);
  assert.equal(layout.kernel.kernel, true);
  const rows = layout.rows.map((row) => [row.from, row.to, row.kind, row.label, row.writtenAt, row.readAt]);
  assert.deepEqual(rows, [
    [32, 40, 'return-address', 'return address', [], []],
    [24, 32, 'saved-register', 'saved %rbp', [3], [12]],
    [16, 24, 'saved-register', 'saved %rbx', [5], [11]],
    [12, 16, 'local', 'local', [7], []],
    [-4, 0, 'red-zone', 'red zone', [8], [9]],
  ]);
  assert.deepEqual(layout.findings.map((f) => f.code), ['red-zone-load']);
});

test('no layout outside functions, and an explicit reason where RSP is unknown', () => {
  assert.equal(frameLayoutAt(text, 0), undefined);
  const alloca = ['f:', '\tsubq\t%rax, %rsp', '\tmovq\t$1, -8(%rsp)', '\tret', ''].join('\n');
  const layout = frameLayoutAt(alloca, 2);
  assert.ok(layout !== undefined);
  assert.equal(layout.rspFromEntry, undefined);
  assert.match(layout.unknownReason ?? '', /not known/);
});

test('the layout shows the findings the check reported: none on a line `redzone-ignore` suppresses', () => {
  const ignored = [
    '# redzone: kernel', //                     0
    '\t.globl\tk', //                           1
    'k:', //                                    2
    '\tmovq\t%rdi, -8(%rsp)  # redzone-ignore', // 3
    '\tmovq\t%rdx, -24(%rsp)', //               4
    '\tret', //                                 5
    '',
  ].join('\n');
  assert.deepEqual(frameLayoutAt(ignored, 3)?.findings, []);
  assert.deepEqual(frameLayoutAt(ignored, 4)?.findings.map((f) => [f.code, f.line]), [['red-zone-store', 4]]);
});
