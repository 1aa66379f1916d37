/**
 * The analysis decoder: iced-x86 1.21.0 (Rust compiled to WebAssembly) behind the port's `decode`.
 *
 * It states each instruction in the IR's terms directly from iced's decoded fields (mnemonic id,
 * operand kinds, registers, memory base/index/scale/displacement/size), with one reused
 * `Instruction`, so no text is formatted and no wasm object is created per instruction. What it
 * cannot state exactly as the IR reads capstone's text for the same bytes goes to capstone
 * (`fallback`): invalid encodings, far branches, AVX-512 masks and broadcasts, mnemonics the IR
 * does not know. `test/unit/objects-decoders.test.ts` decodes real objects with both and requires
 * the same IR.
 *
 * The package's Node build reads its `.wasm` synchronously from beside its JavaScript, which in
 * the bundles is `dist/` (esbuild.mjs copies `iced_x86_bg.wasm` there); it is required on first
 * use only, so a run on assembly text never compiles it.
 */
import type { DecodedInstruction, DisassemblyMode, RawInstruction } from '../core/elf/disassembler';
import type { ImmOperand, MemOperand, Operand } from '../core/ir';
import { mnemonicOf, UNKNOWN_OPCODE } from '../core/x86/opcodes';
import { icedNames, type IcedModule } from './iced-names';

/** Reads the text disassembler's reading of the instruction at the start of `code` (a fallback). */
export type FallbackDecoder = (code: Uint8Array, address: number, mode: DisassemblyMode) => RawInstruction;

let loaded: IcedModule | undefined;

/** The iced-x86 module, loaded (and its wasm compiled) on first use in this isolate. */
export function icedModule(): IcedModule {
  // A literal require() lets esbuild bundle the package; it runs only when first called.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('iced-x86') as IcedModule;
  return loaded;
}

const NO_PREFIXES: readonly string[] = [];
const REP: readonly string[] = ['rep'];
const REPNE: readonly string[] = ['repne'];
const LOCK: readonly string[] = ['lock'];
const NO_OPERANDS: readonly Operand[] = [];
/** Immediates from -128 to 255 are shared objects: most immediates are small. */
const SMALL_IMMEDIATES: ImmOperand[] = Array.from({ length: 384 }, (_, i) => ({ kind: 'imm', value: i - 128 }));

/** The iced-x86 decoder of one isolate: one reused `Instruction`, the name tables built once. */
export class IcedDecoder {
  private readonly iced = icedModule();
  private readonly names = icedNames(this.iced, OP_KINDS);
  private readonly instruction = new this.iced.Instruction();
  private info: InstanceType<IcedModule['InstructionInfoFactory']> | undefined;

  constructor(private readonly fallback: FallbackDecoder) {}

  /** Decodes all of `code` (see the port's `decode`). */
  decode(code: Uint8Array, address: number, mode: DisassemblyMode): DecodedInstruction[] {
    const { Decoder, DecoderOptions } = this.iced;
    const out: DecodedInstruction[] = [];
    const decoder = new Decoder(mode, code, DecoderOptions.None);
    try {
      decoder.ip = BigInt(address);
      const insn = this.instruction;
      let offset = 0;
      while (offset < code.length) {
        decoder.decodeOut(insn);
        const length = insn.length;
        const decoded = insn.isInvalid || length === 0 ? undefined : this.state(insn, address + offset, length, mode);
        if (decoded !== undefined) {
          out.push(decoded);
          offset += length;
          continue;
        }
        const raw = this.fallback(code.subarray(offset, Math.min(code.length, offset + 15)), address + offset, mode);
        const step = raw.length > 0 ? raw.length : 1;
        out.push({ address: address + offset, length: step, mnemonic: raw.mnemonic, opcode: UNKNOWN_OPCODE, prefixes: NO_PREFIXES, operands: NO_OPERANDS, writesStackPointer: false, fallback: raw });
        offset += step;
        if (offset < code.length) {
          decoder.position = offset;
          decoder.ip = BigInt(address + offset);
        }
      }
    } finally {
      decoder.free();
    }
    return out;
  }

  /** The IR statement of the decoded `insn`, or undefined when capstone's reading must be used. */
  private state(insn: IcedInstruction, address: number, length: number, mode: DisassemblyMode): DecodedInstruction | undefined {
    const names = this.names;
    const code = insn.code;
    const opcode = names.opcodeOf(code, insn, mode);
    if (opcode === UNKNOWN_OPCODE || insn.hasOpMask || insn.isBroadcast) return undefined;
    const count = insn.opCount;
    const operands: Operand[] = [];
    let stackOperand = false;
    for (let i = 0; i < count; i++) {
      const kind = insn.opKind(i);
      let op: Operand | undefined;
      switch (kind) {
        case OP_REGISTER: {
          const id = insn.opRegister(i);
          op = names.registers[id];
          if (names.stackPointer[id] === 1) stackOperand = true;
          break;
        }
        case OP_NEAR_BRANCH_16:
        case OP_NEAR_BRANCH_32:
        case OP_NEAR_BRANCH_64: {
          const target = kind === OP_NEAR_BRANCH_64 ? Number(insn.nearBranch64) : kind === OP_NEAR_BRANCH_32 ? insn.nearBranch32 : insn.nearBranch16;
          // Capstone prints targets below 10 in decimal (`call 0`), the others in hex (`call 0x1139`).
          op = Number.isSafeInteger(target) ? { kind: 'target', name: target < 10 ? `${target}` : `0x${target.toString(16)}`, address: target } : undefined;
          break;
        }
        case OP_IMMEDIATE_8:
          op = immediate(insn.immediate8);
          break;
        case OP_IMMEDIATE_8_2ND:
          op = immediate(insn.immediate8_2nd);
          break;
        case OP_IMMEDIATE_16:
          op = immediate(insn.immediate16);
          break;
        case OP_IMMEDIATE_32:
          op = immediate(insn.immediate32);
          break;
        // Capstone prints a sign-extended imm8 signed (`cmp edi, -2`), except for the logical
        // instructions, which it prints unsigned in the operand's width (`and eax, 0xffffffea`).
        case OP_IMMEDIATE_8TO16:
          op = immediate(names.unsignedImmediates[code] === 1 ? insn.immediate8to16 & 0xffff : (insn.immediate8to16 << 16) >> 16);
          break;
        case OP_IMMEDIATE_8TO32:
          op = immediate(names.unsignedImmediates[code] === 1 ? insn.immediate8to32 >>> 0 : insn.immediate8to32 | 0);
          break;
        case OP_IMMEDIATE_8TO64:
          op = immediate(Number(BigInt.asIntN(64, insn.immediate8to64)));
          break;
        case OP_IMMEDIATE_32TO64:
          op = immediate(Number(BigInt.asIntN(64, insn.immediate32to64)));
          break;
        case OP_IMMEDIATE_64: {
          const value = BigInt.asIntN(64, insn.immediate64);
          op = value >= -MAX_SAFE && value <= MAX_SAFE ? immediate(Number(value)) : undefined;
          break;
        }
        case OP_MEMORY:
          op = this.memory(insn, mode, insn.memoryBase, insn.memoryIndex);
          break;
        default:
          op = names.implicitMemory(kind, insn);
      }
      if (op === undefined) return undefined;
      operands.push(op);
    }
    let writesStackPointer = insn.isStackInstruction;
    if (!writesStackPointer && stackOperand) {
      // `mov rbp, rsp` reads it, `sub rsp, 8` writes it: only iced's operand access tells.
      this.info ??= new this.iced.InstructionInfoFactory();
      const info = this.info.info(insn);
      for (let i = 0; i < count && !writesStackPointer; i++) {
        if (insn.opKind(i) === OP_REGISTER && names.stackPointer[insn.opRegister(i)] === 1 && WRITES[info.opAccess(i)] === 1) writesStackPointer = true;
      }
      info.free();
    }
    const prefixes = insn.hasLockPrefix ? LOCK : names.stringCodes[code] === 1 ? (insn.hasRepnePrefix ? REPNE : insn.hasRepPrefix ? REP : NO_PREFIXES) : NO_PREFIXES;
    return { address, length, mnemonic: mnemonicOf(opcode), opcode, prefixes, operands: count === 0 ? NO_OPERANDS : operands, writesStackPointer, fallback: undefined };
  }

  /** A memory operand as capstone's text states it: RIP-relative displacements relative to the next instruction. */
  private memory(insn: IcedInstruction, mode: DisassemblyMode, baseId: number, indexId: number): MemOperand | undefined {
    const names = this.names;
    const base = baseId === 0 ? undefined : names.registerNames[baseId];
    const index = indexId === 0 ? undefined : names.registerNames[indexId];
    if ((baseId !== 0 && base === undefined) || (indexId !== 0 && index === undefined)) return undefined;
    let disp: number;
    if (base === 'rip' || base === 'eip') disp = Number(BigInt.asIntN(64, insn.memoryDisplacement - insn.nextIP));
    // A 32-bit address in 64-bit code (`lea edx, [ecx - 1]`) has a 32-bit displacement: signed, as capstone prints it.
    else disp = Number(BigInt.asIntN(mode === 64 && insn.memoryDisplSize === 8 ? 64 : insn.memoryDisplSize === 2 ? 16 : 32, insn.memoryDisplacement));
    const segmentId = insn.segmentPrefix;
    const segment = segmentId === 0 ? undefined : names.registerNames[segmentId];
    const size = names.memorySizes[insn.memorySize];
    return { kind: 'mem', base, index, scale: index === undefined ? 1 : insn.memoryIndexScale, disp, symbol: undefined, segment, size: size === 0 ? undefined : size };
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function immediate(value: number): ImmOperand {
  return value >= -128 && value < 256 ? SMALL_IMMEDIATES[value + 128]! : { kind: 'imm', value };
}

/** iced's `Instruction`, as far as this decoder reads it. */
export type IcedInstruction = InstanceType<IcedModule['Instruction']>;

// iced's `OpKind` values (iced-x86 1.21.0).
const OP_REGISTER = 0;
const OP_NEAR_BRANCH_16 = 1;
const OP_NEAR_BRANCH_32 = 2;
const OP_NEAR_BRANCH_64 = 3;
const OP_IMMEDIATE_8 = 6;
const OP_IMMEDIATE_8_2ND = 7;
const OP_IMMEDIATE_16 = 8;
const OP_IMMEDIATE_32 = 9;
const OP_IMMEDIATE_64 = 10;
const OP_IMMEDIATE_8TO16 = 11;
const OP_IMMEDIATE_8TO32 = 12;
const OP_IMMEDIATE_8TO64 = 13;
const OP_IMMEDIATE_32TO64 = 14;
const OP_MEMORY = 24;

/** The `OpKind` values this file switches on, as the loaded module numbers them (checked at start-up). */
export const OP_KINDS: Readonly<Record<string, number>> = {
  Register: OP_REGISTER, NearBranch16: OP_NEAR_BRANCH_16, NearBranch32: OP_NEAR_BRANCH_32, NearBranch64: OP_NEAR_BRANCH_64,
  Immediate8: OP_IMMEDIATE_8, Immediate8_2nd: OP_IMMEDIATE_8_2ND, Immediate16: OP_IMMEDIATE_16, Immediate32: OP_IMMEDIATE_32,
  Immediate64: OP_IMMEDIATE_64, Immediate8to16: OP_IMMEDIATE_8TO16, Immediate8to32: OP_IMMEDIATE_8TO32, Immediate8to64: OP_IMMEDIATE_8TO64,
  Immediate32to64: OP_IMMEDIATE_32TO64, Memory: OP_MEMORY,
};
/** 1 for the `OpAccess` values that write (Write, CondWrite, ReadWrite, ReadCondWrite). */
const WRITES = Uint8Array.from([0, 0, 0, 1, 1, 1, 1, 0]);

