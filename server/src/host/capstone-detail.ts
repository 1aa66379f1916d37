/**
 * Reads capstone's detail records (`cs_detail` and its `cs_x86` part) from the wasm heap and turns
 * them into the port's `DecodedOperand`s, so that the core lowers operands without parsing text.
 *
 * The offsets are those of Capstone 5.0-rc2 built for wasm32 (capstone-wasm 1.0.3), found by
 * decoding known instructions (docs/capstone-wasm.md); `host/capstone.ts` self-tests them at
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
  /** 1 at the ids of `rsp`, `esp`, `sp` and `spl`, else 0. */
  readonly stackPointer: Uint8Array;
}

/** Builds the register table from `cs_reg_name`, spelling each name as the IR does (`st(0)`, `r10d`). */
export function registerTable(regName: (id: number) => string | undefined): RegisterTable {
  const names: (string | undefined)[] = [];
  const operands: (RegOperand | undefined)[] = [];
  const stackPointer = new Uint8Array(MAX_REGISTER_ID);
  for (let id = 0; id < MAX_REGISTER_ID; id++) {
    const raw = id === 0 ? undefined : regName(id);
    const name = raw === undefined || raw === '' ? undefined : canonicalRegister(raw) ?? raw.toLowerCase();
    names.push(name);
    operands.push(name === undefined ? undefined : { kind: 'reg', reg: name });
    if (name === 'rsp' || name === 'esp' || name === 'sp' || name === 'spl') stackPointer[id] = 1;
  }
  return { names, operands, stackPointer };
}

/** Immediates from -128 to 255 are shared objects: most immediates are small. */
const SMALL_IMMEDIATES: ImmOperand[] = Array.from({ length: 384 }, (_, i) => ({ kind: 'imm', value: i - 128 }));

/**
 * Typed-array views of the wasm heap. They read in the host's byte order, and wasm's is little
 * endian: `host/capstone.ts` self-tests the operands of a known instruction, so a big-endian host
 * is refused at start-up rather than misread.
 */
export interface HeapViews {
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
}

/** The operands of one instruction and whether it writes the stack pointer. */
export interface DetailOperands {
  readonly operands: readonly DecodedOperand[] | undefined;
  readonly writesStackPointer: boolean;
}

const NO_OPERANDS: readonly DecodedOperand[] = [];
/** Where `readDetail` collects operands before copying them out. */
const scratch: DecodedOperand[] = [];

/*
 * IR operands are immutable, so equal ones may be one object, as the text parser's statement cache
 * already makes them for equal texts. Sharing them keeps a module's IR (which lives until its
 * analysis ends, and which young-generation GCs copy) about a fifth smaller. Memory operands with
 * an index register are never shared: the analysis tells indexed accesses apart by identity.
 */
const sharedLists = [0, 1, 2, 3].map(() => new Map<number, readonly DecodedOperand[]>());
const sharedMem = new Map<number, DecodedOperand>();
/** Entries per cache before it starts over; the keys of real code are far fewer. */
const SHARED_LIMIT = 1 << 16;
/**
 * Shared memory operands have a base register numbered below 256 and a displacement in
 * [-2^13, 2^13), so that their keys are small integers (below 2^30), which V8 hashes unboxed.
 */
const MEM_DISP_LIMIT = 1 << 13;

/**
 * Reads the detail record at `detail`. Returns undefined operands when a record holds something
 * this reader does not know (an unknown operand type or register), so that the core falls back
 * to the text for that instruction.
 */
export function readDetail(views: HeapViews, detail: number, table: RegisterTable): DetailOperands {
  const { u8: heap, u16, u32, i32 } = views;
  // malloc aligns records to 8 bytes, which the typed-array reads below rely on.
  if ((detail & 7) !== 0) return { operands: undefined, writesStackPointer: false };
  let writesStackPointer = false;
  const writeCount = heap[detail + DETAIL_REGS_WRITE_COUNT];
  for (let i = 0; i < writeCount && i < 20; i++) {
    if (table.stackPointer[u16[((detail + DETAIL_REGS_WRITE) >> 1) + i]!] === 1) writesStackPointer = true;
  }
  const x86 = detail + DETAIL_X86;
  const count = heap[x86 + X86_OP_COUNT];
  if (count === 0) return { operands: NO_OPERANDS, writesStackPointer };
  const operands = scratch;
  operands.length = 0;
  let readable = count <= 8;
  // A list of at most three registers and small immediates is shared by every instruction with the
  // same list (`push rbp`, `mov rbp, rsp`, `add rsp, 8`); `listKey` numbers it (10 bits an operand,
  // a small integer), or is -1.
  let listKey = count <= 3 ? 0 : -1;
  for (let i = 0; i < count && readable; i++) {
    const op = x86 + X86_OPERANDS + i * OP_STRIDE;
    const type = u32[op >> 2];
    if (type === OP_REG) {
      const id = u32[(op + 8) >> 2]!;
      const reg = table.operands[id];
      if (reg === undefined) readable = false;
      else {
        operands.push(reg);
        if (listKey >= 0) listKey = listKey * 1024 + id;
        if ((heap[op + 33] & ACCESS_WRITE) !== 0 && table.stackPointer[id] === 1) writesStackPointer = true;
      }
    } else if (type === OP_IMM) {
      const value = int64(u32, i32, op + 8);
      if (value === undefined) readable = false;
      else if (value >= -128 && value < 256) {
        operands.push(SMALL_IMMEDIATES[value + 128]);
        if (listKey >= 0) listKey = listKey * 1024 + 512 + value + 128;
      } else {
        operands.push({ kind: 'imm', value });
        listKey = -1;
      }
    } else if (type === OP_MEM) {
      const segment = u32[(op + 8) >> 2]!;
      const base = u32[(op + 12) >> 2]!;
      const index = u32[(op + 16) >> 2]!;
      const disp = int64(u32, i32, op + 24);
      const size = heap[op + 32];
      if (disp === undefined || (segment !== 0 && table.names[segment] === undefined) || (base !== 0 && table.names[base] === undefined) || (index !== 0 && table.names[index] === undefined)) {
        readable = false;
      } else {
        listKey = -1;
        const key = index === 0 && segment === 0 && base < 256 && disp >= -MEM_DISP_LIMIT && disp < MEM_DISP_LIMIT ? (base * 256 + size) * 2 * MEM_DISP_LIMIT + disp + MEM_DISP_LIMIT : -1;
        let mem = key >= 0 ? sharedMem.get(key) : undefined;
        if (mem === undefined) {
          mem = {
            kind: 'mem',
            base: table.names[base],
            index: table.names[index],
            scale: index === 0 ? 1 : i32[(op + 20) >> 2]!,
            disp,
            symbol: undefined,
            segment: table.names[segment],
            size: size === 0 ? undefined : size,
          };
          if (key >= 0) {
            if (sharedMem.size >= SHARED_LIMIT) sharedMem.clear();
            sharedMem.set(key, mem);
          }
        }
        operands.push(mem);
      }
    } else readable = false;
  }
  if (!readable) return { operands: undefined, writesStackPointer };
  if (listKey >= 0) {
    const lists = sharedLists[count]!;
    let shared = lists.get(listKey);
    if (shared === undefined) {
      if (lists.size >= SHARED_LIMIT) lists.clear();
      lists.set(listKey, (shared = operands.slice()));
    }
    return { operands: shared, writesStackPointer };
  }
  // A copy of exactly the right length: an array grown by `push` reserves room for 17 elements,
  // and these arrays live in the IR until the unit's analysis ends.
  return { operands: operands.slice(), writesStackPointer };
}

/** A little-endian i64 as a number, or undefined when it is not a safe integer. */
function int64(u32: Uint32Array, i32: Int32Array, at: number): number | undefined {
  const low = u32[at >> 2]!;
  const high = i32[(at >> 2) + 1]!;
  if (high === 0) return low;
  if (high === -1) return low - 4294967296;
  const value = high * 4294967296 + low;
  return Number.isSafeInteger(value) ? value : undefined;
}
