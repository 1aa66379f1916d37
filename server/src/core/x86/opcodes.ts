/**
 * The one table of what redzone-lint knows about each x86 instruction.
 *
 * Every known mnemonic (Intel spelling, from `syntax/mnemonics.ts`) gets a small integer opcode id,
 * in a stable order, when this module loads; id 0 (`UNKNOWN_OPCODE`) is every word the table does
 * not know. For each id, typed arrays say how control leaves the instruction, what it does with the
 * memory its operands name, which memory it addresses implicitly (string instructions), how it
 * moves RSP, which registers it writes without naming them, which transfer case models its
 * register values, and a few facts (privileged, access size, barrier idiom).
 *
 * The parsers and the object lowering set `Instruction.opcode` from this table; everything else
 * (the chunk scanner, the no-return and can-return tests, the check, the layout, the transfer
 * dispatch, the kernel evidence) asks the table by id. No other module compares a mnemonic string:
 * `test/unit/architecture.test.ts` fails when one does.
 */
import { knownMnemonics } from '../syntax/mnemonics';

/** The id of every word the table does not know (a macro, a typo, an instruction not listed). */
export const UNKNOWN_OPCODE = 0;

/** How control leaves an instruction, before its operands are looked at. */
export const Control = {
  /** Falls through to the next instruction. */
  Next: 0,
  /** `jmp`: a direct or indirect jump. */
  Jump: 1,
  /** `jne`, `jrcxz`, `loop`, `xbegin`: a branch that may also fall through. */
  Conditional: 2,
  /** `call`: a near call that returns to the next instruction. */
  Call: 3,
  /** `lcall`: a far call (boot and mode-switch code) that returns to the next instruction. */
  FarCall: 4,
  /** `ljmp`: a far jump that leaves the function. */
  FarJump: 5,
  /** `ret`, `lret`, `retf`, `iret`, `sysret`, `sysexit`, `rsm`: control leaves the function to someone who called or interrupted it. */
  Return: 6,
  /** `ud2`: the path ends. */
  Stop: 7,
} as const;

/** What an instruction does with the memory its explicit operands name. */
export const MemoryRole = {
  /** The first operand is written (read as well when it is the only operand of arithmetic, `mul (%rax)`); the others are read. */
  Default: 0,
  /** Every memory operand is only read (`cmp`, `test`, `push`, `fld`, jumps and calls through memory). */
  ReadOnly: 1,
  /** The first operand is read and written (`add`, `xchg`, `cmpxchg`). */
  ReadModifyWrite: 2,
  /** The first operand is written without being read, even when it is the only operand (`pop`, `setcc`, `fstp`). */
  StoreOnly: 3,
  /** The operand names an address that is not accessed (`lea`, `nop`, `prefetch`, `clflush`). */
  NoAccess: 4,
} as const;

/** String instructions, which address memory through RSI and RDI without naming it. */
export const StringOp = { None: 0, Stos: 1, Lods: 2, Movs: 3, Cmps: 4, Scas: 5, Ins: 6, Outs: 7 } as const;

/**
 * Which case of the transfer function models the instruction. The first group moves RSP without
 * naming it as an operand (the table's answer to "how does it move RSP"); the second computes
 * register values the analysis follows; `Other` makes the registers it writes unknown.
 */
export const Transfer = {
  Other: 0,
  /** `push`: RSP -= operand size, then the value is stored at [RSP]. */
  Push: 1,
  /** `pushf`: RSP -= the mode's width (2 for `pushfw`). */
  PushFlags: 2,
  /** `pop`: the value at [RSP] is loaded, then RSP += operand size. */
  Pop: 3,
  /** `popf`: RSP += the mode's width (2 for `popfw`). */
  PopFlags: 4,
  /** `pusha` (2-byte slots) and `pushad` (4-byte slots): eight pushes. */
  PushAll: 5,
  /** `popa`, `popad`: eight pops. */
  PopAll: 6,
  /** `lss`: RSP is loaded from memory. */
  LoadStackPointer: 7,
  /** `leave`: RSP = RBP + width, RBP = [RBP]. */
  Leave: 8,
  /** `enter $N, $0`: push RBP, RBP = RSP, RSP -= N. */
  Enter: 9,
  /** `call`, `lcall`: RSP is the same after the call returns; the callee's frame lies below. */
  Call: 10,
  Move: 11,
  Lea: 12,
  Add: 13,
  Sub: 14,
  /** `movsx`, `movsxd`, `movzx`. */
  Extend: 15,
  /** `cdqe`: sign-extends EAX into RAX. */
  ExtendAccumulator: 16,
  Increment: 17,
  Decrement: 18,
  And: 19,
  Xor: 20,
  Exchange: 21,
} as const;

/**
 * The condition a conditional jump tests, by the SDM's condition code (`jae` and `jnb`: above or
 * equal); `None` for the branches that test no flags (`jrcxz`, `loop`, `xbegin`) and every other opcode.
 */
export const Condition = { None: 0, O: 1, NO: 2, B: 3, AE: 4, E: 5, NE: 6, BE: 7, A: 8, S: 9, NS: 10, P: 11, NP: 12, L: 13, GE: 14, LE: 15, G: 16 } as const;

/** Bits of `opcodeFlags`. */
export const OpcodeFlag = {
  /** Only the kernel may run it (`cli`, `wrmsr`, `swapgs`): content evidence of kernel code. */
  Privileged: 1,
  /** A register in the first operand is written (not `cmp`, `push`, `prefetch`...). */
  WritesDestination: 2,
  /** Every register operand is written (`xchg`, `xadd`). */
  WritesAllRegisterOperands: 4,
  /** With one operand, writes RAX and RDX instead of its operand (`mul`, `div`, `idiv`, `imul`). */
  AccumulatorArithmetic: 8,
  /** `lock add $0, ...` / `lock or $0, ...` is a full memory barrier that keeps no value (Linux's `smp_mb()`). */
  LockedBarrier: 16,
  /** A memory operand without a stated size has the AT&T suffix's size, never a register operand's (`push`, `movzx`). */
  SuffixSizedAccess: 32,
  /** Its register operand says nothing about the memory operand's size (`cvtsi2sd`: an xmm destination, an integer source). */
  IntegerSource: 64,
  /** A string instruction only without operands; with operands it is another instruction (`movsd %xmm0, (%rax)`). */
  StringOnlyBare: 128,
  /** Does nothing, and assemblers pad with it (`nop` in all its lengths, `int3`). */
  Filler: 256,
  /** `hlt`: privileged, but after a call that does not return it is user code's deliberate crash. */
  Halt: 512,
  /** Sets the flags as a subtraction that keeps no result (`cmp`). */
  CompareBySubtraction: 1024,
  /** Sets the flags as an `and` that keeps no result (`test`). */
  CompareByAnd: 2048,
  /** A bitwise operation with a result (`and`, `or`, `xor`): capstone prints its sign-extended imm8 unsigned, in the operand's width. */
  BitwiseLogic: 4096,
} as const;

/** Every opcode's mnemonic, by id; `opcodeNames[0]` is the empty string of `UNKNOWN_OPCODE`. */
export const opcodeNames: readonly string[] = ['', ...knownMnemonics];
const ids = new Map<string, number>(opcodeNames.map((name, id) => [name, id]));
ids.delete('');
const count = opcodeNames.length;

/** The opcode id of a mnemonic in Intel spelling, or `UNKNOWN_OPCODE`. */
export function opcodeOf(mnemonic: string): number {
  return ids.get(mnemonic) ?? UNKNOWN_OPCODE;
}

/** The mnemonic of an opcode id (Intel spelling), for messages. */
export function mnemonicOf(opcode: number): string {
  return opcodeNames[opcode] ?? '';
}

/** How control leaves each opcode (`Control`). */
export const opcodeControl = new Uint8Array(count);
/** What each opcode does with the memory its operands name (`MemoryRole`). */
export const opcodeMemory = new Uint8Array(count);
/** The string operation of each opcode (`StringOp`), and its element size in bytes (0: the AT&T suffix's). */
export const opcodeString = new Uint8Array(count);
export const opcodeStringElement = new Uint8Array(count);
/** The transfer case of each opcode (`Transfer`), and the slot width of the stack operations that fix it (0: the mode's). */
export const opcodeTransfer = new Uint8Array(count);
export const opcodeStackElement = new Uint8Array(count);
/** The condition each conditional jump tests (`Condition`). */
export const opcodeCondition = new Uint8Array(count);
/** `OpcodeFlag` bits of each opcode. */
export const opcodeFlags = new Uint16Array(count);
/** The access size the mnemonic itself implies (`movss` 4, `movsd` 8, `fnstcw` 2), 0 when it implies none. */
export const opcodeAccessSize = new Uint8Array(count);
/** General registers (slots in encoding order) written without being named (`cqo` writes RDX). */
export const opcodeImplicitWrites: readonly (readonly number[])[] = buildImplicitWrites();

/** True when the opcode has every bit of `flag`. */
export function hasFlag(opcode: number, flag: number): boolean {
  return (opcodeFlags[opcode]! & flag) === flag;
}

/** True for `call` and `lcall`. */
export function isCallOpcode(opcode: number): boolean {
  const control = opcodeControl[opcode];
  return control === Control.Call || control === Control.FarCall;
}

/** True for near jumps, branches and calls, whose operand may be a code address (`jne 0x56`, `call 0x1139`). */
export function isDirectBranchOpcode(opcode: number): boolean {
  const control = opcodeControl[opcode];
  return control === Control.Jump || control === Control.Conditional || control === Control.Call;
}

/**
 * True for the opcodes whose RSP write the transfer function models itself without RSP being an
 * operand: push and pop in their forms, `lss`, `leave`, `enter`, calls. The object path checks
 * the decoder's implicit writes against this: any other instruction that moves RSP behind the
 * analysis's back is made unknown.
 */
export function movesStackImplicitly(opcode: number): boolean {
  const transfer = opcodeTransfer[opcode]!;
  return transfer >= Transfer.Push && transfer <= Transfer.Call;
}

// What follows fills the arrays once, from lists of mnemonics: the only place they are spelled.

function set(array: Uint8Array, names: readonly string[], value: number): void {
  for (const name of names) {
    const id = ids.get(name);
    if (id !== undefined) array[id] = value;
  }
}

function flag(names: readonly string[], bit: number): void {
  for (const name of names) {
    const id = ids.get(name);
    if (id !== undefined) opcodeFlags[id]! |= bit;
  }
}

const words = (list: string): string[] => list.split(' ');
const conditionalJump = /^(j(n?[abceglopsz]|n?[abgl]e|p[eo]|[er]?cxz)|loop(n?[ez])?|xbegin)$/;
const conditional = knownMnemonics.filter((name) => conditionalJump.test(name));

set(opcodeControl, ['jmp'], Control.Jump);
set(opcodeControl, conditional, Control.Conditional);
const conditionSpellings: readonly [string, number][] = [
  ['o', Condition.O], ['no', Condition.NO], ['b', Condition.B], ['c', Condition.B], ['nae', Condition.B], ['ae', Condition.AE], ['nb', Condition.AE], ['nc', Condition.AE],
  ['e', Condition.E], ['z', Condition.E], ['ne', Condition.NE], ['nz', Condition.NE], ['be', Condition.BE], ['na', Condition.BE], ['a', Condition.A], ['nbe', Condition.A],
  ['s', Condition.S], ['ns', Condition.NS], ['p', Condition.P], ['pe', Condition.P], ['np', Condition.NP], ['po', Condition.NP],
  ['l', Condition.L], ['nge', Condition.L], ['ge', Condition.GE], ['nl', Condition.GE], ['le', Condition.LE], ['ng', Condition.LE], ['g', Condition.G], ['nle', Condition.G],
];
for (const [suffix, condition] of conditionSpellings) set(opcodeCondition, ['j' + suffix], condition);
set(opcodeControl, ['call'], Control.Call);
set(opcodeControl, ['lcall'], Control.FarCall);
set(opcodeControl, ['ljmp'], Control.FarJump);
set(opcodeControl, words('ret retf lret iret iretq iretd sysret sysretq sysexit sysexitq uiret rsm'), Control.Return);
set(opcodeControl, words('ud0 ud1 ud2'), Control.Stop);

set(
  opcodeMemory,
  [
    ...words('cmp test bt ucomiss ucomisd comiss comisd vucomiss vucomisd vcomiss vcomisd ptest vptest push fld fild fldcw fldenv frstor fxrstor fxrstor64'),
    ...words('ldmxcsr vldmxcsr xrstor xrstor64 fcom fcomp ficom ficomp fadd fsub fsubr fmul fdiv fdivr fiadd fisub fisubr fimul fidiv fidivr'),
    ...words('lgdt lidt lldt ltr lmsw verr verw bound jmp call ljmp lcall'),
    ...conditional,
  ],
  MemoryRole.ReadOnly,
);
set(opcodeMemory, words('add sub adc sbb and or xor inc dec neg not shl shr sar sal rol ror rcl rcr shld shrd xadd xchg cmpxchg bts btr btc cmpxchg8b cmpxchg16b'), MemoryRole.ReadModifyWrite);
set(
  opcodeMemory,
  [
    ...words('fst fstp fist fistp fisttp fbstp fnstcw fstcw fnstsw fstsw fnstenv fstenv fnsave fsave fxsave fxsave64 xsave xsave64 xsaveopt xsavec stmxcsr vstmxcsr sgdt sidt sldt str smsw pop'),
    ...knownMnemonics.filter((name) => name.startsWith('set')),
  ],
  MemoryRole.StoreOnly,
);
set(
  opcodeMemory,
  [...words('lea nop clflush clflushopt clwb invlpg endbr64 endbr32 bndcl bndcu bndcn bndmk'), ...knownMnemonics.filter((name) => name.startsWith('prefetch'))],
  MemoryRole.NoAccess,
);

const stringOps: readonly [string, number][] = [['stos', StringOp.Stos], ['lods', StringOp.Lods], ['movs', StringOp.Movs], ['cmps', StringOp.Cmps], ['scas', StringOp.Scas], ['ins', StringOp.Ins], ['outs', StringOp.Outs]];
const elementSizes: readonly [string, number][] = [['b', 1], ['w', 2], ['d', 4], ['q', 8]];
for (const [stem, op] of stringOps) {
  for (const [letter, size] of elementSizes) {
    set(opcodeString, [stem + letter], op);
    set(opcodeStringElement, [stem + letter], size);
  }
}
flag(['movsd'], OpcodeFlag.StringOnlyBare);

set(opcodeTransfer, ['push'], Transfer.Push);
set(opcodeTransfer, words('pushf pushfq pushfd'), Transfer.PushFlags);
set(opcodeTransfer, ['pop'], Transfer.Pop);
set(opcodeTransfer, words('popf popfq popfd'), Transfer.PopFlags);
set(opcodeTransfer, words('pusha pushad'), Transfer.PushAll);
set(opcodeTransfer, words('popa popad'), Transfer.PopAll);
set(opcodeStackElement, words('pusha popa'), 2);
set(opcodeStackElement, words('pushad popad'), 4);
set(opcodeTransfer, ['lss'], Transfer.LoadStackPointer);
set(opcodeTransfer, ['leave'], Transfer.Leave);
set(opcodeTransfer, ['enter'], Transfer.Enter);
set(opcodeTransfer, words('call lcall'), Transfer.Call);
set(opcodeTransfer, words('mov movabs'), Transfer.Move);
set(opcodeTransfer, ['lea'], Transfer.Lea);
set(opcodeTransfer, ['add'], Transfer.Add);
set(opcodeTransfer, ['sub'], Transfer.Sub);
set(opcodeTransfer, words('movsx movsxd movzx'), Transfer.Extend);
set(opcodeTransfer, ['cdqe'], Transfer.ExtendAccumulator);
set(opcodeTransfer, ['inc'], Transfer.Increment);
set(opcodeTransfer, ['dec'], Transfer.Decrement);
set(opcodeTransfer, ['and'], Transfer.And);
set(opcodeTransfer, ['xor'], Transfer.Xor);
set(opcodeTransfer, ['xchg'], Transfer.Exchange);

flag(
  words(
    'cli sti hlt lgdt lidt ltr lldt swapgs iret iretq iretd sysret sysretq sysexit wrmsr rdmsr invlpg in out insb insw insd outsb outsw outsd ' +
      'clts wbinvd invd lmsw vmlaunch vmresume vmcall vmxon vmxoff wrfsbase wrgsbase stac clac',
  ),
  OpcodeFlag.Privileged,
);
// Every opcode writes its first register operand except these, which only read it or have none.
for (let id = 1; id < count; id++) opcodeFlags[id]! |= OpcodeFlag.WritesDestination;
for (const name of [
  ...words('cmp test bt push ucomiss ucomisd comiss comisd vucomiss vucomisd ptest vptest jmp call out outsb ltr lldt lgdt lidt lmsw verr verw bound'),
  ...words('wrmsr invlpg clflush nop bndcl bndcu bndcn ret int enter leave'),
  ...knownMnemonics.filter((name) => name.startsWith('prefetch')),
]) {
  const id = ids.get(name);
  if (id !== undefined) opcodeFlags[id]! &= ~OpcodeFlag.WritesDestination;
}
flag(words('xchg xadd'), OpcodeFlag.WritesAllRegisterOperands);
flag(words('mul div idiv imul'), OpcodeFlag.AccumulatorArithmetic);
flag(words('add or'), OpcodeFlag.LockedBarrier);
flag(words('push pop call jmp movzx movsx movsxd'), OpcodeFlag.SuffixSizedAccess);
flag(words('cvtsi2sd cvtsi2ss'), OpcodeFlag.IntegerSource);
flag(words('nop int3'), OpcodeFlag.Filler);
flag(['hlt'], OpcodeFlag.Halt);
flag(['cmp'], OpcodeFlag.CompareBySubtraction);
flag(['test'], OpcodeFlag.CompareByAnd);
flag(words('and or xor'), OpcodeFlag.BitwiseLogic);

const scalar4 = words('movss addss subss mulss divss minss maxss sqrtss cvtss2sd ucomiss comiss movd insertps');
const scalar8 = words('movsd addsd subsd mulsd divsd minsd maxsd sqrtsd cvtsd2ss ucomisd comisd movq movlps movhps movlpd movhpd movddup');
set(opcodeAccessSize, [...scalar4, ...scalar4.map((name) => 'v' + name)], 4);
set(opcodeAccessSize, [...scalar8, ...scalar8.map((name) => 'v' + name)], 8);
set(opcodeAccessSize, words('fnstcw fstcw fldcw fnstsw'), 2);
set(opcodeAccessSize, words('stmxcsr ldmxcsr vstmxcsr vldmxcsr'), 4);

function buildImplicitWrites(): (readonly number[])[] {
  const none: readonly number[] = [];
  const table: (readonly number[])[] = new Array<readonly number[]>(count).fill(none);
  // Slots: 0 rax, 1 rcx, 2 rdx, 3 rbx, 4 rsp, 6 rsi, 7 rdi, 11 r11.
  const writes: readonly [string, readonly number[]][] = [
    ['mul', [0, 2]], ['div', [0, 2]], ['idiv', [0, 2]], ['cdq', [2]], ['cqo', [2]], ['cwd', [2]], ['cdqe', [0]], ['cwde', [0]], ['cbw', [0]],
    ['cpuid', [0, 1, 2, 3]], ['rdtsc', [0, 2]], ['rdtscp', [0, 1, 2]], ['rdmsr', [0, 2]], ['rdpmc', [0, 2]], ['xgetbv', [0, 2]], ['syscall', [0, 1, 11]],
    ['sysenter', [4]], ['lahf', [0]], ['xlat', [0]], ['xlatb', [0]], ['cmpxchg', [0]], ['cmpxchg8b', [0, 2]], ['cmpxchg16b', [0, 2]],
    ['loop', [1]], ['loope', [1]], ['loopne', [1]], ['loopz', [1]], ['loopnz', [1]], ['in', [0]], ['insb', [7]], ['outsb', [6]],
  ];
  for (const [name, slots] of writes) {
    const id = ids.get(name);
    if (id !== undefined) table[id] = slots;
  }
  return table;
}

/** The registers one-operand `mul`, `div`, `idiv` and `imul` write: RAX and RDX. */
export const accumulatorWrites: readonly number[] = [0, 2];
