/**
 * The disassembler port. The core never decodes machine code itself: a host adapter (capstone-wasm
 * in `host/capstone.ts`) implements this interface, and the core lowers the text it returns to the
 * shared IR with the Intel-syntax parser, so exactly one module knows operand spelling.
 */

/** One decoded instruction as the disassembler prints it, in Intel syntax. */
export interface RawInstruction {
  /** Address of the first byte (the `address` argument plus the offset into `code`). */
  readonly address: number;
  /** Encoded length in bytes (1 for a `.byte` entry). */
  readonly length: number;
  /** Lowercase mnemonic, prefixes included as the disassembler prints them (`rep stosq`, `lock add`); `.byte` for undecodable bytes. */
  readonly mnemonic: string;
  /** Operand text in Intel syntax, e.g. `qword ptr [rsp - 8], rax`; for `.byte`, the byte in hex (`0xff`). */
  readonly opStr: string;
  /** The instruction's bytes, when the adapter provides them. */
  readonly bytes?: Uint8Array;
}

/** The processor mode to decode in. */
export type DisassemblyMode = 32 | 64;

/**
 * Decodes x86 machine code. Implementations must decode the whole of `code`: bytes that are not a
 * valid instruction come back as one-byte `.byte` entries and decoding resumes after them, so the
 * lengths of the returned entries always add up to `code.length`. They must not throw on any input.
 */
export interface Disassembler {
  disassemble(code: Uint8Array, address: number, mode: DisassemblyMode): RawInstruction[];
}

/** The full text of an instruction (`mov qword ptr [rsp - 8], rax`), as the Intel parser takes it. */
export function instructionText(insn: RawInstruction): string {
  return insn.opStr ? `${insn.mnemonic} ${insn.opStr}` : insn.mnemonic;
}
