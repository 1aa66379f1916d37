/**
 * The disassembler port. The core never decodes machine code itself: host adapters implement this
 * interface. Two decoders stand behind it in the product (`host/decoders.ts`): iced-x86 decodes
 * for the analysis (`decode`, operands already in the IR's terms, no text), and capstone-wasm
 * prints what people read (`disassemble`: the listing, and the text of the few instructions that
 * findings quote). When an adapter gives operands from capstone's tables (detail mode), the core
 * lowers them straight into the IR; otherwise, and for the few shapes the tables do not describe
 * the way the text does, it reads the Intel text with the one Intel parser. Only plain data
 * crosses this port.
 */
import type { ImmOperand, MemOperand, Operand, RegOperand } from '../ir';

/**
 * An operand as the decoder's tables give it, already in the IR's terms: canonical lowercase
 * register names, a signed immediate, a memory operand with its access size in bytes (which the
 * decoder knows even where the text does not print it, as in `lea`).
 */
export type DecodedOperand = RegOperand | ImmOperand | MemOperand;

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
  /** `mnemonic` and `opStr` joined by one space (just `mnemonic` without operands), when the adapter provides it. */
  readonly text?: string;
  /** The instruction's bytes, when the adapter provides them. */
  readonly bytes?: Uint8Array;
  /** The operands in Intel order (destination first), when the adapter decodes them itself. */
  readonly operands?: readonly DecodedOperand[];
  /**
   * True when the decoder says the instruction writes the stack pointer (`rsp`, `esp` or `sp`),
   * explicitly or implicitly (`push`, `call`, `enter`); undefined when the adapter cannot tell.
   */
  readonly writesStackPointer?: boolean;
}

/** The processor mode to decode in. */
export type DisassemblyMode = 32 | 64;

/**
 * Decodes x86 machine code. Implementations must decode the whole of `code`: bytes that are not a
 * valid instruction come back as one-byte `.byte` entries and decoding resumes after them, so the
 * lengths of the returned entries always add up to `code.length`. They must not throw on any input.
 */
export interface Disassembler {
  disassemble(code: Uint8Array, address: number, mode: DisassemblyMode, options?: DisassemblyOptions): RawInstruction[];
  /**
   * The analysis decoder, when the adapter has one: decodes the whole of `code` like
   * `disassemble`, into instructions already stated in the IR's terms and without text (the text
   * of an instruction is asked of `disassemble` only where a person reads it). Never throws.
   */
  decode?(code: Uint8Array, address: number, mode: DisassemblyMode): DecodedInstruction[];
}

/**
 * One instruction as the analysis decoder states it: what the IR reads from the text
 * disassembler's output for the same bytes (`test/unit/objects-decoders.test.ts` holds the two
 * equal on real objects), without the text.
 */
export interface DecodedInstruction {
  readonly address: number;
  readonly length: number;
  /** The IR's mnemonic (`mov`, `stos`... as the Intel parser interns it). */
  readonly mnemonic: string;
  /** The mnemonic's id in the x86 table (`x86/opcodes.ts`); `UNKNOWN_OPCODE` with a `fallback`. */
  readonly opcode: number;
  /** Prefix names as the Intel parser reads them (`rep`, `lock`). */
  readonly prefixes: readonly string[];
  /** Destination first; a direct branch's target is a `target` operand named by its address in hex (`0x1139`). */
  readonly operands: readonly Operand[];
  /** True when the instruction writes the stack pointer, explicitly or implicitly (see `RawInstruction`). */
  readonly writesStackPointer: boolean;
  /**
   * Set when the analysis decoder cannot state these bytes as the IR reads the text
   * disassembler's output (an invalid encoding, a far branch, an AVX-512 mask...): the text
   * disassembler's reading of them, which the core lowers instead; `length` is then its length.
   */
  readonly fallback: RawInstruction | undefined;
}

/** What a caller needs besides the text. */
export interface DisassemblyOptions {
  /**
   * False when the caller only prints the text (a listing), so that an adapter may skip decoding
   * operands, which costs capstone about as much again as the text; true or absent asks for them.
   */
  readonly operands?: boolean;
}

/** The full text of an instruction (`mov qword ptr [rsp - 8], rax`), as the Intel parser takes it. */
export function instructionText(insn: RawInstruction): string {
  if (insn.text !== undefined) return insn.text;
  return insn.opStr ? `${insn.mnemonic} ${insn.opStr}` : insn.mnemonic;
}
