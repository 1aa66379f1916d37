/**
 * Splits a parsed input into functions, and collects what the analysis needs across functions:
 * jump tables in data sections, `.loc` source positions, and kernel evidence in the content.
 * Which labels start functions is decided by the text scan in `chunks.ts`.
 */
import { hasFlag, isCallOpcode, OpcodeFlag, opcodeTransfer, Transfer } from '../x86/opcodes';
import type { AsmItem, Instruction, ParsedAsm } from '../ir';

/** A C source position from `.loc` or DWARF. */
export interface SourcePosition {
  readonly path: string;
  readonly line: number;
}

/** One function's instructions in order, with its labels resolved to instruction indices. */
export interface AsmFunction {
  readonly name: string;
  readonly insns: Instruction[];
  /** Label name -> index of the instruction that follows it. */
  readonly labels: Map<string, number>;
  /**
   * True while every instruction has an address above the one before it (objects, objdump
   * listings); otherwise (text, a hand-edited listing) `indexAtAddress` builds a map instead.
   */
  addressesAscend: boolean;
  readonly sources: (SourcePosition | undefined)[];
  /**
   * The first `.loc` position after the function's label: its declaration's line, even when the
   * first instruction is inlined from elsewhere (rustc's `core::ptr` at the top of a function).
   */
  declaredAt?: SourcePosition;
  /** Address size in bytes: 8 for 64-bit code, 4 for 32-bit, 2 for 16-bit. */
  readonly mode: 2 | 4 | 8;
  readonly startLine: number;
  endLine: number;
}

/** Content evidence that the input is kernel code (privileged instruction or kernel section). */
export interface KernelEvidence {
  readonly line: number;
  readonly what: string;
}

/** The whole input, ready for analysis. */
export interface Program {
  readonly functions: AsmFunction[];
  /** Label -> the labels its data directives list (`.L4: .quad .L3, .L5`), for jump tables. */
  readonly dataTables: Map<string, string[]>;
  /** Labels listed in any data directive: targets of indirect jumps we could not resolve. */
  readonly dataLabels: Set<string>;
  readonly kernelEvidence: KernelEvidence | undefined;
  /** The address size the file starts in and mostly uses. */
  readonly mode: 2 | 4 | 8;
  /** An objdump listing of an unlinked object, whose calls to other symbols are not relocated (`e8 00 00 00 00`). */
  readonly relocatable: boolean;
}

const kernelSections = ['.init.text', '.head.text', '.noinstr.text', '.entry.text', '.exit.text', '.ref.text', '.meminit.text', '.cpuidle.text'];

/** Section name prefixes of data: a label there names data, never code. */
const dataSectionPrefixes = ['.data', '.rodata', '.bss', '.tdata', '.tbss', '.sdata', '.sbss', '.ldata', '.lrodata', '.lbss', '.debug', '.note', '.comment', '.eh_frame', '.gcc_except_table', '.init_array', '.fini_array', '.ctors', '.dtors', '.got'];

/**
 * True for a section that holds data (`.rodata.cst8`, `.data`, `.bss`, `.debug_info`): a label
 * defined there (glibc's `one: .double 1.0`) does not start a function. Decided by the name alone,
 * so that the text scan (`chunks.ts`) and the program builder agree.
 */
export function isDataSection(name: string): boolean {
  for (const prefix of dataSectionPrefixes) {
    if (name.startsWith(prefix) && (name.length === prefix.length || name.charCodeAt(prefix.length) === 46 /* . */ || name.charCodeAt(prefix.length) === 95 /* _ */)) return true;
  }
  return false;
}

/** True for labels that are local to a function: `.L3`, `.LBB0_2`, `Ltmp0`, `1`, NASM `.loop`. */
export function isLocalLabel(name: string): boolean {
  const first = name.charCodeAt(0);
  if (first === 46 /* . */) return true;
  if (first !== 76 /* L */ && (first < 48 || first > 57)) return false;
  return /^L(BB|tmp|_|\d)/.test(name) || /^\d+$/.test(name);
}

/** What the scan of the whole text tells a chunk: where functions start, the mode, the `.file` table. */
export interface ProgramContext {
  /** Labels that start functions (`chunks.ts` decides; the same set for whole and chunked analysis). */
  readonly starts: ReadonlySet<string>;
  /** The address size in force where the text starts. */
  readonly mode?: 2 | 4 | 8;
  /** `.file N "path"` entries declared anywhere in the file. */
  readonly files?: ReadonlyMap<number, string>;
  /** An objdump listing of an unlinked object (see `Program.relocatable`). */
  readonly relocatable?: boolean;
}

/** Builds the program from parsed items. Never throws. */
export function buildProgram(parsed: ParsedAsm, context: ProgramContext): Program {
  const items = parsed.items;
  const mode: 2 | 4 | 8 = context.mode ?? 8;
  const isStart = (name: string): boolean => context.starts.has(name);

  const functions: AsmFunction[] = [];
  const dataTables = new Map<string, string[]>();
  const dataLabels = new Set<string>();
  const files = new Map<number, string>(context.files ?? []);
  let current: AsmFunction | undefined;
  let pendingLabels: { name: string; address: number | undefined }[] = [];
  let section = '.text';
  let source: SourcePosition | undefined;
  let dataLabel: string | undefined;
  let evidence: KernelEvidence | undefined;
  let currentMode = mode;
  // Whether a label or an instruction came before: code after them with no label of its own is
  // named by its line, not called the top of the file.
  let seenContent = false;

  const startFunction = (name: string, line: number): AsmFunction => {
    const fn: AsmFunction = {
      name, insns: [], labels: new Map(), addressesAscend: true, sources: [], mode: currentMode, startLine: line, endLine: line,
    };
    functions.push(fn);
    return fn;
  };

  for (const item of items as readonly AsmItem[]) {
    switch (item.kind) {
      case 'label': {
        dataLabel = item.name;
        seenContent = true;
        if (isDataSection(section)) {
          // one: .double 1.0 — data between functions ends the one before, and names no code.
          if (!isLocalLabel(item.name)) current = undefined;
          break;
        }
        if (isStart(item.name)) {
          if (current === undefined || current.insns.length > 0 || current.name !== item.name) {
            current = startFunction(item.name, item.line);
            pendingLabels = [];
          }
        }
        pendingLabels.push({ name: item.name, address: item.address });
        break;
      }
      case 'function-header':
        if (current === undefined || current.insns.length > 0 || current.name !== item.name) current = startFunction(item.name, item.line);
        pendingLabels = [{ name: item.name, address: item.address }];
        break;
      case 'insn': {
        dataLabel = undefined;
        const insn = item.insn;
        // ASM_SIZE_DIRECTIVE(one) in .rodata: a macro the analysis does not expand, read as an
        // unknown instruction among data. It is no code, and it must not start or name a function.
        if (insn.unknown && isDataSection(section)) break;
        current ??= startFunction(pendingLabels[0]?.name ?? (seenContent ? `(code at line ${item.line + 1})` : '(top of file)'), item.line);
        seenContent = true;
        const index = current.insns.length;
        // Most instructions have no label before them: no new list for them.
        if (pendingLabels.length > 0) {
          for (const label of pendingLabels) if (!current.labels.has(label.name)) current.labels.set(label.name, index);
          pendingLabels = [];
        }
        current.insns.push(insn);
        current.sources.push(source);
        current.endLine = item.line;
        // Every instruction of an object has an address: a map of them per function was the largest
        // allocation of building a program, and they ascend, so a binary search serves instead.
        const previous = index > 0 ? current.insns[index - 1]!.address : -Infinity;
        if (insn.address === undefined || previous === undefined || !(previous < insn.address)) current.addressesAscend = false;
        if (evidence === undefined) evidence = privilegedEvidence(insn, index > 0 ? current.insns[index - 1] : undefined);
        break;
      }
      case 'size':
        if (current?.name === item.name) {
          current.endLine = Math.max(current.endLine, item.line);
          current = undefined;
        }
        break;
      case 'section':
        section = item.name;
        dataLabel = undefined;
        if (evidence === undefined) {
          const kernelSection = kernelSections.find((name) => section === name || section.startsWith(`${name}.`));
          if (kernelSection !== undefined) evidence = { line: item.line, what: `the kernel section \`${section}\`` };
        }
        break;
      case 'data':
        if (dataLabel !== undefined) {
          const table = dataTables.get(dataLabel) ?? [];
          for (const value of item.values) {
            const symbol = firstSymbol(value);
            if (symbol !== undefined) {
              table.push(symbol);
              dataLabels.add(symbol);
            }
          }
          dataTables.set(dataLabel, table);
        }
        break;
      case 'file':
        files.set(item.fileNumber, item.path);
        break;
      case 'loc': {
        const path = files.get(item.fileNumber);
        source = path === undefined || item.sourceLine <= 0 ? undefined : { path, line: item.sourceLine };
        if (current !== undefined && current.declaredAt === undefined && current.insns.length === 0 && source !== undefined) current.declaredAt = source;
        break;
      }
      case 'source-line':
        source = { path: item.path, line: item.sourceLine };
        break;
      case 'bits':
        currentMode = (item.bits / 8) as 2 | 4 | 8;
        break;
      default:
        break;
    }
  }
  return { functions, dataTables, dataLabels, kernelEvidence: evidence, mode, relocatable: context.relocatable ?? false };
}

/** `.L5` from `.L5`, `.L5-.L4` or `.LBB0_3-.LJTI0_0`; undefined for numbers. */
function firstSymbol(value: string): string | undefined {
  const match = /^\s*([A-Za-z_.$][\w.$@]*)/.exec(value);
  return match?.[1];
}

/** Kernel evidence in one instruction; `previous` is the instruction before it in the function. */
function privilegedEvidence(insn: Instruction, previous: Instruction | undefined): KernelEvidence | undefined {
  // call __libc_start_main; hlt — glibc's start.S: a hlt after a call that is not meant to
  // return is user code's way to crash if it does (hlt faults outside ring 0), not a halt.
  if (hasFlag(insn.opcode, OpcodeFlag.Halt) && previous !== undefined && isCallOpcode(previous.opcode)) return undefined;
  if (hasFlag(insn.opcode, OpcodeFlag.Privileged)) return { line: insn.line, what: `the privileged instruction \`${insn.mnemonic}\`` };
  if (opcodeTransfer[insn.opcode] !== Transfer.Move) return undefined;
  for (let k = 0; k < insn.operands.length; k++) {
    const op = insn.operands[k]!;
    if (op.kind === 'reg' && (op.reg.startsWith('cr') || op.reg.startsWith('dr')) && /^(cr|dr)\d+$/.test(op.reg)) {
      return { line: insn.line, what: `a control-register access \`${insn.text}\`` };
    }
  }
  return undefined;
}

const addressMaps = new WeakMap<AsmFunction, Map<number, number>>();

/** The index of the instruction at `address` in `fn`, or undefined. */
export function indexAtAddress(fn: AsmFunction, address: number): number | undefined {
  const insns = fn.insns;
  if (fn.addressesAscend && insns.length > 0) {
    let lo = 0;
    let hi = insns.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = insns[mid]!.address;
      if (at === address) return mid;
      if (at === undefined || at < address) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
  let map = addressMaps.get(fn);
  if (map === undefined) {
    map = new Map();
    // The first instruction at an address: an alternative's fork comes before the instruction it
    // replaces, with its address, so that the function's branches there reach both paths.
    for (let k = 0; k < insns.length; k++) {
      const at = insns[k]!.address;
      if (at !== undefined && !map.has(at)) map.set(at, k);
    }
    addressMaps.set(fn, map);
  }
  return map.get(address);
}
