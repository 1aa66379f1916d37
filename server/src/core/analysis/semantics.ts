/**
 * x86 semantics for the stack analysis: what an instruction reads and writes in memory, which
 * registers it changes, and how control leaves it. This is the only place that knows which
 * instructions only read memory (`cmp`, `test`, `bt`, `ucomiss`), which write implicitly
 * (`stos`, `movs`, `push`), and which do not touch memory at all despite a memory operand (`lea`, `nop`).
 * Operands arrive in Intel order (destination first) from every parser.
 */
import type { Instruction, MemOperand, Operand } from '../ir';
import { gpr, registerWidth } from './registers';

/** How control leaves an instruction. */
export type Flow = 'next' | 'jump' | 'branch' | 'indirect-jump' | 'call' | 'indirect-call' | 'return' | 'stop';

/** One memory access an instruction makes. */
export interface MemoryAccess {
  readonly mem: MemOperand;
  readonly access: 'load' | 'store' | 'both';
  /** Bytes, or undefined when the instruction does not say (then 1 is assumed for overlap checks). */
  readonly size: number | undefined;
  /**
   * Bytes the instruction moves RSP up before it makes this access, or undefined for none.
   * `popq -8(%rbp)`: the pop increments RSP first and then stores (Intel SDM, POP: "If the
   * destination operand uses RSP as base register, the address is computed after the pop
   * increments RSP"), so the address and its place relative to RSP are those after the increment.
   */
  readonly rspMovedBy?: number;
}

/** What the stack analysis needs to know about one instruction. */
export interface Effect {
  readonly flow: Flow;
  /** Symbolic target of a direct jump or call. */
  readonly target: string | undefined;
  readonly accesses: readonly MemoryAccess[];
  /** Register slots written by the instruction that the transfer function does not model itself. */
  readonly writes: readonly number[];
}

/** Mnemonics whose memory operands are only read, even in the destination position. */
const readOnly = new Set([
  'cmp', 'test', 'bt', 'ucomiss', 'ucomisd', 'comiss', 'comisd', 'vucomiss', 'vucomisd', 'vcomiss', 'vcomisd',
  'ptest', 'vptest', 'push', 'fld', 'fild', 'fldcw', 'fldenv', 'frstor', 'fxrstor', 'fxrstor64', 'ldmxcsr', 'vldmxcsr',
  'xrstor', 'xrstor64', 'fcom', 'fcomp', 'ficom', 'ficomp', 'fadd', 'fsub', 'fsubr', 'fmul', 'fdiv', 'fdivr',
  'fiadd', 'fisub', 'fisubr', 'fimul', 'fidiv', 'fidivr', 'lgdt', 'lidt', 'lldt', 'ltr', 'lmsw', 'verr', 'verw', 'bound',
  'jmp', 'call', 'ljmp', 'lcall',
]);

/** Mnemonics that neither read nor write the memory their operand names. */
const noAccess = new Set([
  'lea', 'nop', 'nopw', 'nopl', 'prefetch', 'prefetchw', 'prefetcht0', 'prefetcht1', 'prefetcht2', 'prefetchnta',
  'clflush', 'clflushopt', 'clwb', 'invlpg', 'endbr64', 'endbr32', 'bndcl', 'bndcu', 'bndcn', 'bndmk',
]);

/** Mnemonics whose destination is read and written (read-modify-write). */
const readModifyWrite = new Set([
  'add', 'sub', 'adc', 'sbb', 'and', 'or', 'xor', 'inc', 'dec', 'neg', 'not', 'shl', 'shr', 'sar', 'sal', 'rol',
  'ror', 'rcl', 'rcr', 'shld', 'shrd', 'xadd', 'xchg', 'cmpxchg', 'bts', 'btr', 'btc', 'cmpxchg8b', 'cmpxchg16b',
]);

/** Mnemonics whose memory destination is written without being read, beyond the mov family. */
const storeOnlyNoDest = new Set(['fst', 'fstp', 'fist', 'fistp', 'fisttp', 'fbstp', 'fnstcw', 'fstcw', 'fnstsw', 'fstsw', 'fnstenv', 'fstenv', 'fnsave', 'fsave', 'fxsave', 'fxsave64', 'xsave', 'xsave64', 'xsaveopt', 'xsavec', 'stmxcsr', 'vstmxcsr', 'sgdt', 'sidt', 'sldt', 'str', 'smsw']);

/** Functions that never return: a call to them ends the path (the code after it is unreachable). */
export const noReturnFunctions = new Set([
  'abort', 'exit', '_exit', '_Exit', 'quick_exit', '__stack_chk_fail', '__stack_chk_fail_local', '__assert_fail',
  '__assert_perror_fail', '__assert', '__fortify_fail', '__chk_fail', 'longjmp', '_longjmp', 'siglongjmp',
  '__longjmp_chk', 'panic', 'do_exit', 'make_task_dead', 'kthread_exit', '__cxa_throw', '__cxa_rethrow',
  '_Unwind_Resume', '__cxa_bad_cast', '__cxa_bad_typeid', '__cxa_pure_virtual', 'std::terminate', '_ZSt9terminatev',
  'err', 'errx', 'verr', 'verrx', 'pthread_exit', 'thrd_exit', '__builtin_trap', 'fortify_panic', '__ubsan_handle_builtin_unreachable',
  'rust_panic', 'core::panicking::panic', '__rust_start_panic', 'BUG', 'usercopy_abort', 'machine_real_restart', 'rewind_stack_and_make_dead',
  'cpu_bringup_and_idle', '__reiserfs_panic', 'snp_abort', 'sev_es_terminate', 'ex_handler_msr_mce', 'xen_start_kernel',
]);

/** An instruction's text for messages: whitespace runs (the tab after the mnemonic) become one space. */
export function quoted(insn: Instruction): string {
  return insn.text.replace(/\s+/g, ' ');
}

/**
 * True for the instructions assemblers and compilers put between code as alignment padding:
 * the nop family (`nop`, `nopw 0(%rax,%rax,1)`, `xchg %ax,%ax`, `data16 cs nopw`), `int3`, and the
 * older gas fillers that move a register to itself (`lea 0(%esi,%eiz,1),%esi`, `mov %esi,%esi`).
 */
export function isPadding(insn: Instruction): boolean {
  const m = insn.mnemonic;
  if (m.startsWith('nop') || m === 'int3') return true;
  const [first, second] = insn.operands;
  if (insn.operands.length !== 2 || first?.kind !== 'reg') return false;
  if (m === 'xchg' || m === 'mov') return second?.kind === 'reg' && second.reg === first.reg;
  // lea 0x0(%esi,%eiz,1),%esi
  return m === 'lea' && second?.kind === 'mem' && second.base === first.reg && second.disp === 0 && second.symbol === undefined && (second.index === undefined || second.index === 'eiz' || second.index === 'riz');
}

/** Strips `@PLT`, `@plt` and the like from a call target (`call abort@PLT`). */
export function plainSymbol(name: string): string {
  const at = name.indexOf('@');
  return at > 0 ? name.slice(0, at) : name;
}

const conditionalJump = /^(j(n?[abceglopsz]|n?[abgl]e|p[eo]|[er]?cxz)|loop(n?[ez])?|xbegin)$/;

/** What a mnemonic alone says: computed once per distinct mnemonic string. */
interface MnemonicInfo {
  readonly flow: Flow | 'transfer' | 'conditional';
  readonly readOnly: boolean;
  readonly readModifyWrite: boolean;
  readonly storeOnly: boolean;
  readonly noAccess: boolean;
  /** `stos`, `movs`… with the element size letter, for implicit %rsi/%rdi accesses. */
  readonly stringOp: readonly [string, string] | undefined;
  /** Registers written without being named (`cqo` writes %rdx); the one-operand `imul` form has its own. */
  readonly implicitWrites: readonly number[] | undefined;
  /** True when a register in the first operand is written (not `cmp`, `push`, `prefetch`…). */
  readonly writesDestination: boolean;
}

const mnemonicInfos = new Map<string, MnemonicInfo>();
const returns = new Set(['ret', 'retq', 'retf', 'lret', 'iret', 'iretq', 'iretd', 'iretw', 'sysret', 'sysretq', 'sysexit', 'sysexitq', 'eret', 'rsm']);
const noOperands: readonly MemoryAccess[] = [];
const noWrites: readonly number[] = [];
const scratchWrites: number[] = [];
/** The effects of instructions that only fall through and write at most one register: by slot, and 16 for none. */
const plainEffects: readonly Effect[] = Array.from({ length: 17 }, (_, slot) => ({ flow: 'next' as const, target: undefined, accesses: noOperands, writes: slot === 16 ? noWrites : [slot] }));

function mnemonicInfo(m: string): MnemonicInfo {
  let info = mnemonicInfos.get(m);
  if (info !== undefined) return info;
  const conditional = conditionalJump.test(m);
  const string = /^(stos|lods|movs|cmps|scas|ins|outs)([bwdq]?)$/.exec(m);
  info = {
    flow: m === 'jmp' || m === 'call' || m === 'ljmp' || m === 'lcall' ? 'transfer' : conditional ? 'conditional' : returns.has(m) ? 'return' : m === 'ud2' || m === 'ud1' || m === 'ud0' ? 'stop' : 'next',
    readOnly: readOnly.has(m) || conditional,
    readModifyWrite: readModifyWrite.has(m),
    storeOnly: storeOnlyNoDest.has(m) || m.startsWith('set') || m === 'pop',
    noAccess: noAccess.has(m) || m.startsWith('prefetch') || m.startsWith('nop'),
    stringOp: string === null ? undefined : [string[1]!, string[2]!],
    // An own property only: a mnemonic spelled `constructor` must not find Object's.
    implicitWrites: Object.prototype.hasOwnProperty.call(implicitWrites, m) ? implicitWrites[m] : undefined,
    writesDestination: !noDestinationWrite.has(m) && !m.startsWith('prefetch'),
  };
  // Distinct mnemonics are few; the cap only guards against hostile input.
  if (mnemonicInfos.size < 4096) mnemonicInfos.set(m, info);
  return info;
}

/** Describes one instruction. Never throws; unknown instructions get a conservative description. */
export function describe(insn: Instruction, addressSize: 2 | 4 | 8): Effect {
  const m = insn.mnemonic;
  const ops = insn.operands;
  const info = mnemonicInfo(m);
  let flow: Flow = 'next';
  let target: string | undefined;

  const first = ops[0];
  if (info.flow === 'transfer' || info.flow === 'conditional') {
    // lcall/ljmp are far transfers (boot and mode-switch code): a call that returns, a jump that leaves.
    const isCall = m === 'call' || m === 'lcall';
    if (m === 'ljmp') {
      // Leaves the function: no successor inside it, like a tail call.
      flow = 'jump';
    } else if (first?.kind === 'target') {
      target = first.name;
      flow = isCall ? 'call' : m === 'jmp' ? 'jump' : 'branch';
    } else if (first?.kind === 'imm') {
      // `call 0x1139` from a stripped listing: an address without a name.
      target = first.value === undefined ? undefined : `0x${first.value.toString(16)}`;
      flow = isCall ? 'call' : m === 'jmp' ? 'jump' : 'branch';
    } else {
      flow = isCall ? 'indirect-call' : m === 'jmp' ? 'indirect-jump' : 'branch';
    }
  } else flow = info.flow;

  let accesses: MemoryAccess[] | undefined;
  if (!info.noAccess) {
    for (let index = 0; index < ops.length; index++) {
      const op = ops[index]!;
      if (op.kind !== 'mem') continue;
      let access: MemoryAccess['access'];
      if (index !== 0 || info.readOnly) access = 'load';
      else if (info.readModifyWrite) access = 'both';
      // One-operand arithmetic (`mul`, `div`, `idiv`, `imul`) reads its operand.
      else if (ops.length === 1 && !info.storeOnly) access = 'load';
      else access = 'store';
      const size = accessSize(insn, op);
      // popq -8(%rbp): the store happens after the pop has moved RSP up by the operand's size.
      if (m === 'pop') (accesses ??= []).push({ mem: op, access, size, rspMovedBy: size ?? addressSize });
      else (accesses ??= []).push({ mem: op, access, size });
    }
  }

  // String instructions address memory through %rsi/%rdi without naming it (`rep stosq`).
  const stringOp = info.stringOp;
  if (stringOp !== undefined && accesses === undefined && !(m === 'movsd' && ops.length > 0)) {
    const size = { b: 1, w: 2, d: 4, q: 8, '': insn.suffixSize }[stringOp[1] as 'b' | 'w' | 'd' | 'q' | ''];
    const viaSi = memAt(addressSize === 4 ? 'esi' : 'rsi', size);
    const viaDi = memAt(addressSize === 4 ? 'edi' : 'rdi', size);
    const kind = stringOp[0];
    accesses = [];
    if (kind === 'stos' || kind === 'ins') accesses.push({ mem: viaDi, access: 'store', size });
    if (kind === 'movs') accesses.push({ mem: viaSi, access: 'load', size }, { mem: viaDi, access: 'store', size });
    if (kind === 'lods' || kind === 'outs') accesses.push({ mem: viaSi, access: 'load', size });
    if (kind === 'cmps') accesses.push({ mem: viaSi, access: 'load', size }, { mem: viaDi, access: 'load', size });
    if (kind === 'scas') accesses.push({ mem: viaDi, access: 'load', size });
  }

  // One scratch list for every instruction: most write no register the transfer leaves to `writes`.
  scratchWrites.length = 0;
  collectRegisterWrites(insn, scratchWrites, info);
  if (accesses === undefined && target === undefined && flow === 'next' && scratchWrites.length <= 1) {
    // `testl %eax, %eax`, `movl %eax, %edx`: most instructions share one of these 17 effects.
    return scratchWrites.length === 0 ? plainEffects[16]! : plainEffects[scratchWrites[0]!]!;
  }
  return { flow, target, accesses: accesses ?? noOperands, writes: scratchWrites.length === 0 ? noWrites : scratchWrites.slice() };
}

/** A synthesized `[reg]` operand for implicit string-instruction accesses. */
function memAt(base: string, size: number | undefined): MemOperand {
  return { kind: 'mem', base, index: undefined, scale: 1, disp: 0, symbol: undefined, segment: undefined, size };
}

/** The access size of a memory operand: stated size, AT&T suffix, the other operand's width, or the mnemonic's. */
export function accessSize(insn: Instruction, mem: MemOperand): number | undefined {
  if (mem.size !== undefined) return mem.size;
  const m = insn.mnemonic;
  if (m === 'push' || m === 'pop' || m === 'call' || m === 'jmp') return insn.suffixSize;
  if (m === 'movzx' || m === 'movsx' || m === 'movsxd') return insn.suffixSize;
  if (insn.suffixSize !== undefined) return insn.suffixSize;
  const sized = mnemonicSize(m);
  if (sized !== undefined) return sized;
  for (let k = 0; k < insn.operands.length; k++) {
    const op = insn.operands[k]!;
    if (op.kind === 'reg') {
      const width = registerWidth(op.reg);
      if (width !== undefined && m !== 'cvtsi2sd' && m !== 'cvtsi2ss') return width;
    }
  }
  return undefined;
}

/** Sizes implied by SSE and x87 mnemonics (`movss` = 4, `movsd` = 8, `fstpl`…). */
function mnemonicSize(m: string): number | undefined {
  if (/^v?(movss|addss|subss|mulss|divss|minss|maxss|sqrtss|cvtss2sd|ucomiss|comiss|movd|insertps)$/.test(m)) return 4;
  if (/^v?(movsd|addsd|subsd|mulsd|divsd|minsd|maxsd|sqrtsd|cvtsd2ss|ucomisd|comisd|movq|movlps|movhps|movlpd|movhpd|movddup)$/.test(m)) return 8;
  if (m === 'fnstcw' || m === 'fstcw' || m === 'fldcw' || m === 'fnstsw') return 2;
  if (m === 'stmxcsr' || m === 'ldmxcsr' || m === 'vstmxcsr' || m === 'vldmxcsr') return 4;
  return undefined;
}

/** Instructions that write general registers without naming them as the first operand. */
const implicitWrites: Readonly<Record<string, readonly number[]>> = {
  mul: [0, 2], imul1: [0, 2], div: [0, 2], idiv: [0, 2], cdq: [2], cqo: [2], cwd: [2], cdqe: [0], cwde: [0], cbw: [0],
  cpuid: [0, 1, 2, 3], rdtsc: [0, 2], rdtscp: [0, 1, 2], rdmsr: [0, 2], rdpmc: [0, 2], xgetbv: [0, 2], syscall: [0, 1, 11],
  sysenter: [4], lahf: [0], xlat: [0], xlatb: [0], cmpxchg: [0], cmpxchg8b: [0, 2], cmpxchg16b: [0, 2], rdrand: [], rdseed: [],
  loop: [1], loope: [1], loopne: [1], loopz: [1], loopnz: [1], in: [0], insb: [7], outsb: [6], rdpid: [],
};

/** Mnemonics whose first register operand is not written. */
const noDestinationWrite = new Set([
  'cmp', 'test', 'bt', 'push', 'ucomiss', 'ucomisd', 'comiss', 'comisd', 'vucomiss', 'vucomisd', 'ptest', 'vptest',
  'jmp', 'call', 'out', 'outsb', 'ltr', 'lldt', 'lgdt', 'lidt', 'lmsw', 'verr', 'verw', 'bound', 'wrmsr', 'invlpg', 'clflush',
  'prefetch', 'prefetchw', 'nop', 'nopw', 'nopl', 'bndcl', 'bndcu', 'bndcn', 'ret', 'int', 'enter', 'leave',
]);

/** Records every general register the instruction may write, except the stack effects of push/pop/call/ret. */
function collectRegisterWrites(insn: Instruction, writes: number[], info: MnemonicInfo): void {
  const m = insn.mnemonic;
  const ops = insn.operands;
  // Looked up once per mnemonic in `mnemonicInfo`: a keyed lookup per instruction showed in profiles.
  const implicit = m === 'imul' && ops.length === 1 ? implicitWrites.imul1 : info.implicitWrites;
  if (implicit !== undefined) for (let k = 0; k < implicit.length; k++) writes.push(implicit[k]!);
  if (m === 'xchg' || m === 'xadd') {
    pushRegisterSlots(writes, ops);
    return;
  }
  if (info.stringOp !== undefined && !(m === 'movsd' && ops.length > 0)) {
    writes.push(6, 7);
    if (insn.prefixes.some((p) => p.startsWith('rep'))) writes.push(1);
    if (m.startsWith('lods')) writes.push(0);
    return;
  }
  const dest = ops[0];
  if (dest?.kind === 'reg' && info.writesDestination) {
    if (!(ops.length === 1 && (m === 'mul' || m === 'div' || m === 'idiv' || m === 'imul'))) pushSlot(writes, dest.reg);
  }
  if (insn.unknown) {
    // An instruction we could not read may write any register it names.
    pushRegisterSlots(writes, ops);
  }
}

function pushRegisterSlots(writes: number[], ops: readonly Operand[]): void {
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k]!;
    if (op.kind === 'reg') pushSlot(writes, op.reg);
  }
}

function pushSlot(writes: number[], name: string): void {
  const ref = gpr(name);
  if (ref !== undefined) writes.push(ref.slot);
}
