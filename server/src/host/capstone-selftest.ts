/**
 * The start-up self-test of `host/capstone.ts`. The `cs_insn` and `cs_detail` layouts it reads are
 * those of one capstone build; decoding known instructions and comparing text and operands with
 * what that build gives is how another build (or a big-endian host, whose typed arrays would read
 * the little-endian wasm heap wrongly) is refused instead of misread.
 */
import type { Disassembler, RawInstruction } from '../core/elf/disassembler';

/**
 * Decodes known instructions in both modes and checks their text, and the operands read from the
 * detail records (whose layout is the build's): base, index, scale, displacement, segment and size
 * of memory operands, registers, immediates, and the implicit stack-pointer write of `push`.
 * Returns what differs, or undefined when all is well.
 */
export function selfTest(d: Disassembler): string | undefined {
  const cases: readonly { mode: 32 | 64; bytes: number[]; text: string; operands: string }[] = [
    { mode: 64, bytes: [0x48, 0x89, 0x44, 0x24, 0xf8], text: 'mov qword ptr [rsp - 8], rax', operands: '[rsp+-8*1 8], rax' },
    { mode: 32, bytes: [0x89, 0x44, 0x24, 0xfc], text: 'mov dword ptr [esp - 4], eax', operands: '[esp+-4*1 4], eax' },
    { mode: 64, bytes: [0x48, 0x8d, 0x05, 0x10, 0, 0, 0], text: 'lea rax, [rip + 0x10]', operands: 'rax, [rip+16*1 8]' },
    { mode: 64, bytes: [0x53], text: 'push rbx', operands: 'rbx; writes the stack pointer' },
    { mode: 64, bytes: [0xe8, 0x10, 0, 0, 0], text: 'call 0x1015', operands: '$4117; writes the stack pointer' },
    { mode: 64, bytes: [0x48, 0x8b, 0x44, 0x88, 0x10], text: 'mov rax, qword ptr [rax + rcx*4 + 0x10]', operands: 'rax, [rax+16+rcx*4 8]' },
    { mode: 64, bytes: [0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0], text: 'mov rax, qword ptr fs:[0x28]', operands: 'rax, fs:[+40*1 8]' },
    { mode: 64, bytes: [0x48, 0x83, 0xe4, 0xf0], text: 'and rsp, 0xfffffffffffffff0', operands: 'rsp, $-16; writes the stack pointer' },
  ];
  for (const c of cases) {
    const got = d.disassemble(Uint8Array.from(c.bytes), 0x1000, c.mode);
    const text = got.map((i) => `${i.mnemonic} ${i.opStr}`).join('; ');
    const where = `${c.mode}-bit ${c.bytes.map((b) => b.toString(16)).join(' ')}`;
    if (got.length !== 1 || text !== c.text || got[0].address !== 0x1000 || got[0].length !== c.bytes.length) {
      return `${where} decoded as "${text}", expected "${c.text}"`;
    }
    const operands = describeOperands(got[0]);
    if (operands !== c.operands) return `${where} (${c.text}) has the operands "${operands}", expected "${c.operands}"`;
  }
  return undefined;
}

/** A compact spelling of the detail operands for the self-test: `fs:[rax+16+rcx*4 8]`, `$-16`, `rax`. */
function describeOperands(insn: RawInstruction): string {
  const ops = (insn.operands ?? []).map((op) => {
    if (op.kind === 'reg') return op.reg;
    if (op.kind === 'imm') return `$${op.value}`;
    if (op.kind !== 'mem') return '?';
    const index = op.index !== undefined ? `+${op.index}*${op.scale}` : `*${op.scale}`;
    return `${op.segment !== undefined ? `${op.segment}:` : ''}[${op.base ?? ''}+${op.disp}${index} ${op.size}]`;
  });
  return `${insn.operands === undefined ? 'none' : ops.join(', ')}${insn.writesStackPointer === true ? '; writes the stack pointer' : ''}`;
}
