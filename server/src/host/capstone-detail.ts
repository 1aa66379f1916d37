/**
 * Reads capstone's detail records (`cs_detail` and its `cs_x86` part) from the wasm heap and turns
 * them into the port's `DecodedOperand`s, so that the core lowers operands without parsing text.
 *
 * The offsets are those of Capstone 5.0-rc2 built for wasm32 (capstone-wasm 1.0.3), found by
 * decoding known instructions (notes/capstone-wasm.md); `host/capstone.ts` self-tests them at
 * start-up, so a different build is refused rather than misread.
 */
import { canonicalRegister } from '../core/syntax/registers';
import type { DecodedOperand } from '../core/elf/disassembler';
import type { ImmOperand, RegOperand } from '../core/ir';

/** Offset of the `cs_detail *` in `cs_insn`. */
export const INSN_DETAIL = 236;
/** `cs_detail`: implicit registers written, u16[20], and their count (u8). */
const DETAIL_REGS_WRITE = 34;
const DETAIL_REGS_WRITE_COUNT = 74;
/** Offset of the `cs_x86` part in `cs_detail`. */
const DETAIL_X86 = 88;
/** `cs_x86`: operand count (u8) and the operand array. */
const X86_OP_COUNT = 64;
const X86_OPERANDS = 72;
/** `cs_x86_op`: 48 bytes; `type` at 0, the value union at 8, `size` at 32, `access` at 33. */
const OP_STRIDE = 48;
const OP_REG = 1;
const OP_IMM = 2;
const OP_MEM = 3;
/** `cs_ac_type`: bit 1 is a write. */
const ACCESS_WRITE = 2;
/** Capstone 5 numbers x86 registers below this; `cs_reg_name` gives the names. */
const MAX_REGISTER_ID = 512;

/** The register names of one capstone build, and which of them are the stack pointer. */
export interface RegisterTable {
  /** Canonical IR name by capstone register id; undefined for id 0 (none) and unknown ids. */
  readonly names: readonly (string | undefined)[];
  /** One shared operand object per register, since IR operands are immutable. */
  readonly operands: readonly (RegOperand | undefined)[];
  /** Ids of `rsp`, `esp`, `sp` and `spl`. */
  readonly stackPointer: ReadonlySet<number>;
}

/** Builds the register table from `cs_reg_name`, spelling each name as the IR does (`st(0)`, `r10d`). */
export function registerTable(regName: (id: number) => string | undefined): RegisterTable {
  const names: (string | undefined)[] = [];
  const operands: (RegOperand | undefined)[] = [];
  const stackPointer = new Set<number>();
  for (let id = 0; id < MAX_REGISTER_ID; id++) {
    const raw = id === 0 ? undefined : regName(id);
    const name = raw === undefined || raw === '' ? undefined : canonicalRegister(raw) ?? raw.toLowerCase();
    names.push(name);
    operands.push(name === undefined ? undefined : { kind: 'reg', reg: name });
    if (name === 'rsp' || name === 'esp' || name === 'sp' || name === 'spl') stackPointer.add(id);
  }
  return { names, operands, stackPointer };
}

/** Immediates from -128 to 255 are shared objects: most immediates are small. */
const SMALL_IMMEDIATES: ImmOperand[] = Array.from({ length: 384 }, (_, i) => ({ kind: 'imm', value: i - 128 }));

/** The operands of one instruction and whether it writes the stack pointer. */
export interface DetailOperands {
  readonly operands: readonly DecodedOperand[] | undefined;
  readonly writesStackPointer: boolean;
}

const NO_OPERANDS: readonly DecodedOperand[] = [];

/**
 * Reads the detail record at `detail`. Returns undefined operands when a record holds something
 * this reader does not know (an unknown operand type or register), so that the core falls back
 * to the text for that instruction.
 */
export function readDetail(heap: Uint8Array, view: DataView, detail: number, table: RegisterTable): DetailOperands {
  let writesStackPointer = false;
  const writeCount = heap[detail + DETAIL_REGS_WRITE_COUNT];
  for (let i = 0; i < writeCount && i < 20; i++) {
    if (table.stackPointer.has(view.getUint16(detail + DETAIL_REGS_WRITE + 2 * i, true))) writesStackPointer = true;
  }
  const x86 = detail + DETAIL_X86;
  const count = heap[x86 + X86_OP_COUNT];
  if (count === 0) return { operands: NO_OPERANDS, writesStackPointer };
  const operands: DecodedOperand[] = [];
  let readable = count <= 8;
  for (let i = 0; i < count && readable; i++) {
    const op = x86 + X86_OPERANDS + i * OP_STRIDE;
    const type = view.getUint32(op, true);
    if (type === OP_REG) {
      const id = view.getUint32(op + 8, true);
      const reg = table.operands[id];
      if (reg === undefined) readable = false;
      else {
        operands.push(reg);
        if ((heap[op + 33] & ACCESS_WRITE) !== 0 && table.stackPointer.has(id)) writesStackPointer = true;
      }
    } else if (type === OP_IMM) {
      const value = int64(view, op + 8);
      if (value === undefined) readable = false;
      else operands.push(value >= -128 && value < 256 ? SMALL_IMMEDIATES[value + 128] : { kind: 'imm', value });
    } else if (type === OP_MEM) {
      const segment = view.getUint32(op + 8, true);
      const base = view.getUint32(op + 12, true);
      const index = view.getUint32(op + 16, true);
      const disp = int64(view, op + 24);
      const size = heap[op + 32];
      if (disp === undefined || (segment !== 0 && table.names[segment] === undefined) || (base !== 0 && table.names[base] === undefined) || (index !== 0 && table.names[index] === undefined)) {
        readable = false;
      } else {
        operands.push({
          kind: 'mem',
          base: table.names[base],
          index: table.names[index],
          scale: index === 0 ? 1 : view.getInt32(op + 20, true),
          disp,
          symbol: undefined,
          segment: table.names[segment],
          size: size === 0 ? undefined : size,
        });
      }
    } else readable = false;
  }
  return { operands: readable ? operands : undefined, writesStackPointer };
}

/** A little-endian i64 as a number, or undefined when it is not a safe integer. */
function int64(view: DataView, at: number): number | undefined {
  const low = view.getUint32(at, true);
  const high = view.getInt32(at + 4, true);
  if (high === 0) return low;
  if (high === -1) return low - 4294967296;
  const value = high * 4294967296 + low;
  return Number.isSafeInteger(value) ? value : undefined;
}
