/**
 * x86 register names: recognition, canonical spelling and width.
 *
 * Every parser spells registers the same way in the IR: lowercase, without AT&T's `%`
 * (`%RSP` and `RSP` both become `rsp`). The only aliases rewritten are the ones with two spellings
 * for one register: `r8l` (AMD) is `r8b` (Intel), and AT&T's `%st` is `st(0)`.
 */

const registers = new Map<string, number>();

function add(names: readonly string[], size: number): void {
  for (const name of names) registers.set(name, size);
}

add(['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'rip'], 8);
add(['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp', 'esp', 'eip'], 4);
add(['ax', 'bx', 'cx', 'dx', 'si', 'di', 'bp', 'sp', 'ip'], 2);
add(['al', 'bl', 'cl', 'dl', 'ah', 'bh', 'ch', 'dh', 'sil', 'dil', 'bpl', 'spl'], 1);
for (let i = 8; i < 16; i++) {
  add([`r${i}`], 8);
  add([`r${i}d`], 4);
  add([`r${i}w`], 2);
  add([`r${i}b`], 1);
}
add(['cs', 'ds', 'es', 'fs', 'gs', 'ss'], 2);
for (let i = 0; i < 16; i++) {
  add([`cr${i}`, `dr${i}`], 8);
}
for (let i = 0; i < 32; i++) {
  add([`xmm${i}`], 16);
  add([`ymm${i}`], 32);
  add([`zmm${i}`], 64);
}
for (let i = 0; i < 8; i++) {
  add([`mm${i}`, `k${i}`], 8);
  add([`st(${i})`], 10);
  add([`st${i}`], 10);
}
add(['st'], 10);
add(['bnd0', 'bnd1', 'bnd2', 'bnd3'], 16);

/**
 * The canonical name of a register written without `%` in any case, or undefined when `name` is
 * not a register. Allocation-free for names that are already canonical.
 */
export function canonicalRegister(name: string): string | undefined {
  if (registers.has(name)) return canonicalAlias(name);
  const lower = name.toLowerCase();
  if (lower !== name && registers.has(lower)) return canonicalAlias(lower);
  // AMD's byte names for r8..r15 (`r8l`) and spaced x87 forms (`st( 1 )`).
  if (lower.length >= 3 && lower.charCodeAt(0) === 114 /* r */ && lower.endsWith('l')) {
    const intel = lower.slice(0, -1) + 'b';
    if (registers.has(intel) && /^r\d+b$/.test(intel)) return intel;
  }
  if (lower.startsWith('st') && lower.includes('(')) {
    const compact = lower.replace(/\s+/g, '');
    if (registers.has(compact)) return compact;
  }
  return undefined;
}

function canonicalAlias(name: string): string {
  // Capstone prints `st(1)`; NASM writes `st1`; AT&T `%st` is the top of the stack.
  if (name === 'st') return 'st(0)';
  if (name.length === 3 && name.charCodeAt(0) === 115 && name.charCodeAt(1) === 116) return `st(${name[2]})`;
  return name;
}

/** The width of a canonical register in bytes, or undefined for unknown names. */
export function registerSize(reg: string): number | undefined {
  return registers.get(reg);
}

/** True for `xmm`, `ymm`, `zmm` and MMX `mm` registers (which make AT&T `movq` the SSE `movq`). */
export function isVectorRegister(reg: string): boolean {
  const c = reg.charCodeAt(0);
  return c === 120 /* x */ || c === 121 /* y */ || c === 122 /* z */ || (c === 109 /* m */ && reg.charCodeAt(1) === 109);
}

/** True for the segment registers that may prefix a memory operand (`%fs:40`, `fs:[rax]`). */
export function isSegmentRegister(reg: string): boolean {
  return reg === 'fs' || reg === 'gs' || reg === 'cs' || reg === 'ds' || reg === 'es' || reg === 'ss';
}
