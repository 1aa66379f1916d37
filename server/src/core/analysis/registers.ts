/**
 * General-purpose registers: which 64-bit slot a name refers to and how wide it is.
 * The stack analysis tracks one abstract value per slot.
 */

/** Slot numbers in encoding order, so `rsp` is 4 and `rbp` is 5 as in the ModRM byte. */
export const slotNames = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;

export const RSP = 4;
export const RBP = 5;

/** A general-purpose register name resolved to its slot and width in bytes. */
export interface GprRef {
  readonly slot: number;
  readonly width: 1 | 2 | 4 | 8;
  /** True for `ah`, `bh`, `ch`, `dh`: bits 8-15 of the slot. */
  readonly high: boolean;
}

const gprTable = new Map<string, GprRef>();
const legacy = [
  ['rax', 'eax', 'ax', 'al', 'ah'],
  ['rcx', 'ecx', 'cx', 'cl', 'ch'],
  ['rdx', 'edx', 'dx', 'dl', 'dh'],
  ['rbx', 'ebx', 'bx', 'bl', 'bh'],
  ['rsp', 'esp', 'sp', 'spl', ''],
  ['rbp', 'ebp', 'bp', 'bpl', ''],
  ['rsi', 'esi', 'si', 'sil', ''],
  ['rdi', 'edi', 'di', 'dil', ''],
] as const;
legacy.forEach(([q, d, w, b, h], slot) => {
  gprTable.set(q, { slot, width: 8, high: false });
  gprTable.set(d, { slot, width: 4, high: false });
  gprTable.set(w, { slot, width: 2, high: false });
  gprTable.set(b, { slot, width: 1, high: false });
  if (h !== '') gprTable.set(h, { slot, width: 1, high: true });
});
for (let n = 8; n < 16; n++) {
  gprTable.set(`r${n}`, { slot: n, width: 8, high: false });
  gprTable.set(`r${n}d`, { slot: n, width: 4, high: false });
  gprTable.set(`r${n}w`, { slot: n, width: 2, high: false });
  gprTable.set(`r${n}b`, { slot: n, width: 1, high: false });
  gprTable.set(`r${n}l`, { slot: n, width: 1, high: false });
}

/** Resolves a general-purpose register name (`rsp`, `r10d`, `al`); undefined for any other register. */
export function gpr(name: string | undefined): GprRef | undefined {
  return name === undefined ? undefined : gprTable.get(name);
}

/** Width in bytes of any register operand, for access sizes (`xmm0` = 16); undefined when unknown. */
export function registerWidth(name: string): number | undefined {
  const ref = gprTable.get(name);
  if (ref !== undefined) return ref.width;
  if (name.startsWith('xmm')) return 16;
  if (name.startsWith('ymm')) return 32;
  if (name.startsWith('zmm')) return 64;
  if (/^mm[0-7]$/.test(name)) return 8;
  if (/^st(\(?[0-7]\)?)?$/.test(name)) return 10;
  if (/^k[0-7]$/.test(name)) return 8;
  if (/^[cdefgs]s$/.test(name)) return 2;
  return undefined;
}

/** Registers a called function may change, per ABI; the others keep their values across a call. */
export const callerSaved = {
  sysv: [0, 1, 2, 6, 7, 8, 9, 10, 11],
  ms: [0, 1, 2, 8, 9, 10, 11],
  i386: [0, 1, 2],
} as const;
