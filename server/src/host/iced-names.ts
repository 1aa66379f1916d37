/**
 * iced-x86's numbering (registers, mnemonics, instruction codes, memory sizes) turned once into
 * the IR's spelling, so that `host/iced.ts` states an instruction with array lookups only.
 *
 * The IR's mnemonic for an instruction is the one the Intel parser reads from capstone's text for
 * the same bytes: mostly iced's mnemonic in lower case, with the few spellings where the two
 * disassemblers differ mapped here (`movabs`), and the codes whose text the IR reads in a way
 * iced's fields do not give (far pointers, whose operand is `seg:offset`) left to capstone.
 */
import type { DisassemblyMode } from '../core/elf/disassembler';
import type { MemOperand, RegOperand } from '../core/ir';
import { canonicalRegister } from '../core/syntax/registers';
import { internMnemonic } from '../core/syntax/mnemonics';
import { hasFlag, OpcodeFlag, opcodeOf, UNKNOWN_OPCODE } from '../core/x86/opcodes';
import type { IcedInstruction } from './iced';

/** The parts of the iced-x86 module this adapter uses. */
export type IcedModule = typeof import('iced-x86');

/** The tables of one loaded module. */
export interface IcedNames {
  /** One shared operand per register id; undefined for none and for registers the IR does not name. */
  readonly registers: readonly (RegOperand | undefined)[];
  readonly registerNames: readonly (string | undefined)[];
  /** 1 at the ids of `rsp`, `esp`, `sp` and `spl`. */
  readonly stackPointer: Uint8Array;
  /** Bytes by `MemorySize`, 0 when iced gives none (`lea`). */
  readonly memorySizes: Uint32Array;
  /** 1 for the codes of string instructions (`stos`, `movs`...), whose `rep` prefixes the IR keeps. */
  readonly stringCodes: Uint8Array;
  /** 1 for the codes whose sign-extended immediates capstone prints unsigned (`and`, `or`, `xor`). */
  readonly unsignedImmediates: Uint8Array;
  /** The x86 table's opcode id of an instruction code, or `UNKNOWN_OPCODE` when capstone's reading must be used. */
  opcodeOf(code: number, insn: IcedInstruction, mode: DisassemblyMode): number;
  /** The implicit memory operand of a string instruction (`[rdi]`), or undefined for other kinds. */
  implicitMemory(kind: number, insn: IcedInstruction): MemOperand | undefined;
}

/** Mnemonics capstone spells differently from iced in 64-bit code, by iced code name. */
const CODE_SPELLINGS_64: readonly [RegExp, string][] = [
  // `mov rax, imm64` and the moffs forms: capstone prints `movabs` (in 32-bit code, `mov`).
  [/^Mov_r64_imm64$|^Mov_(AL|AX|EAX|RAX)_moffs|^Mov_moffs(8|16|32|64)_(AL|AX|EAX|RAX)$/, 'movabs'],
];

/**
 * Codes left to capstone, whose text the IR reads differently from iced's fields: far pointers
 * (`ljmp 0x10:0x1000`, `ljmp ptr [rax]`), and x87 register forms (capstone prints `fxch st(1)`
 * and `fadd st(0)` with one operand where iced gives two). EVEX and MVEX encodings (AVX-512) go to
 * capstone by their encoding: their masks and broadcasts are only in the text, and capstone prints
 * some of them under another name (`vpcmpb ..., 0` as `vpcmpeqb`). `xabort` capstone prints with
 * a signed immediate (`xabort -1`). And `ud1`, which the SDM and objdump decode with a ModRM byte
 * (`0f b9 cc`, `ud1 %esp,%ecx`, three bytes) and capstone 5.0-rc2 without (two bytes): the listing
 * is capstone's, and the analysis must cut the code where the listing does, so its reading is
 * taken. Both end the path, so only the unreachable byte after it is read differently.
 */
const CAPSTONE_CODES = /_m16(16|32|64)$|_ptr16(16|32)$|_st0|_sti|^EVEX_|^MVEX_|^Xabort_|^Ud1_/;

/**
 * Memory sizes capstone's text does not state (`fldenv [rcx]`, `fxsave [rsp]`, `xsave ptr [rsp]`):
 * the IR's size is the stated one, so these give none.
 */
const UNSTATED_SIZES = /^(FpuEnv|FpuState|Fxsave|Xsave)/;

export function icedNames(iced: IcedModule, opKinds: Readonly<Record<string, number>>): IcedNames {
  for (const [name, value] of Object.entries(opKinds)) {
    if ((iced.OpKind as unknown as Record<string, number>)[name] !== value) throw new Error(`iced-x86: OpKind.${name} is not ${value}; the package is not the pinned 1.21.0`);
  }
  const registerEnum = iced.Register as unknown as Record<number, string>;
  const registers: (RegOperand | undefined)[] = [];
  const registerNames: (string | undefined)[] = [];
  const stackPointer = new Uint8Array(512);
  for (let id = 0; id < 512; id++) {
    const raw = id === 0 ? undefined : registerEnum[id];
    const name = raw === undefined ? undefined : canonicalRegister(raw.toLowerCase());
    registerNames.push(name);
    registers.push(name === undefined ? undefined : { kind: 'reg', reg: name });
    if (name === 'rsp' || name === 'esp' || name === 'sp' || name === 'spl') stackPointer[id] = 1;
  }
  const sizeEnum = iced.MemorySize as unknown as Record<string, number>;
  const memorySizes = new Uint32Array(256);
  for (const [name, value] of Object.entries(sizeEnum)) {
    if (typeof value === 'number' && value < 256 && !UNSTATED_SIZES.test(name)) memorySizes[value] = iced.MemorySizeExt.size(value);
  }
  const codeEnum = iced.Code as unknown as Record<number, string>;
  const mnemonicEnum = iced.Mnemonic as unknown as Record<number, string>;
  const codeCount = Object.keys(iced.Code).length;
  // Per mode and code: NOT_SEEN, UNKNOWN_OPCODE for capstone, else the opcode id of the IR mnemonic.
  const NOT_SEEN = 0xffff;
  const byCode32 = new Uint16Array(codeCount).fill(NOT_SEEN);
  const byCode64 = new Uint16Array(codeCount).fill(NOT_SEEN);
  const stringCodes = new Uint8Array(codeCount + 1);
  const unsignedImmediates = new Uint8Array(codeCount + 1);
  const opcodeOfCode = (code: number, insn: IcedInstruction, mode: DisassemblyMode): number => {
    const byCode = mode === 64 ? byCode64 : byCode32;
    let opcode = byCode[code]!;
    if (opcode === NOT_SEEN) {
      const codeName = codeEnum[code] ?? '';
      let word = (mnemonicEnum[insn.mnemonic] ?? '').toLowerCase();
      if (mode === 64) for (const [pattern, spelling] of CODE_SPELLINGS_64) if (pattern.test(codeName)) word = spelling;
      opcode = word === '' || CAPSTONE_CODES.test(codeName) ? UNKNOWN_OPCODE : opcodeOf(internMnemonic(word));
      if (insn.isStringInstruction) stringCodes[code] = 1;
      if (hasFlag(opcode, OpcodeFlag.BitwiseLogic)) unsignedImmediates[code] = 1;
      byCode[code] = opcode;
    }
    return opcode;
  };
  const { OpKind } = iced;
  // Capstone names the `es:` of a 16- or 32-bit string destination (`movsd dword ptr es:[edi], ...`), not of a 64-bit one.
  const esDestination = new Set<number>([OpKind.MemoryESDI, OpKind.MemoryESEDI]);
  const implicitBase = new Map<number, string>([
    [OpKind.MemorySegSI, 'si'], [OpKind.MemorySegESI, 'esi'], [OpKind.MemorySegRSI, 'rsi'],
    [OpKind.MemorySegDI, 'di'], [OpKind.MemorySegEDI, 'edi'], [OpKind.MemorySegRDI, 'rdi'],
    [OpKind.MemoryESDI, 'di'], [OpKind.MemoryESEDI, 'edi'], [OpKind.MemoryESRDI, 'rdi'],
  ]);
  const implicitMemory = (kind: number, insn: IcedInstruction): MemOperand | undefined => {
    const base = implicitBase.get(kind);
    if (base === undefined) return undefined;
    const segmentId = insn.segmentPrefix;
    const size = memorySizes[insn.memorySize];
    const segment = segmentId !== 0 ? registerNames[segmentId] : esDestination.has(kind) ? 'es' : undefined;
    return { kind: 'mem', base, index: undefined, scale: 1, disp: 0, symbol: undefined, segment, size: size === 0 ? undefined : size };
  };
  return { registers, registerNames, stackPointer, memorySizes, stringCodes, unsignedImmediates, opcodeOf: opcodeOfCode, implicitMemory };
}
