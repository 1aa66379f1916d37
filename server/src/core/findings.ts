/**
 * The one table of finding codes: message template, default severity and documentation.
 * The CLI (`explain`, SARIF rules), the language server (diagnostic codes and links) and the
 * README's Diagnostics section all read this table; a test checks the README agrees with it.
 */

export type Severity = 'error' | 'warning' | 'information';

export type FindingCode = 'red-zone-store' | 'red-zone-load' | 'below-red-zone' | 'red-zone-clobbered' | 'stack-unknown';

/** The documentation and defaults of one finding code. */
export interface FindingInfo {
  readonly code: FindingCode;
  readonly severity: Severity;
  /** One line, used as the SARIF short description and the README's heading text. */
  readonly summary: string;
  /** Markdown, several paragraphs: what it means, an example, how to fix it. */
  readonly documentation: string;
}

const interruptFrame =
  'In 64-bit mode an interrupt or exception that arrives on the same stack (kernel mode, no IST) ' +
  'first aligns RSP down to 16 bytes and then pushes SS, RSP, RFLAGS, CS, RIP and sometimes an error code, ' +
  'so the hardware alone writes anywhere in [RSP-56, RSP); the handler then saves registers and may run C code ' +
  'on the same stack. In kernel, firmware, boot and hypervisor code every byte below RSP is volatile, not just 128 bytes. ' +
  'Only a stack switch avoids it (a privilege change, or an IST gate); FRED skips just 64 bytes below RSP, so 128-byte red-zone use is unsafe there too.';

const fixBuild =
  'Fix: build the code with `-mno-red-zone` (GCC, Clang, Zig), `-C no-redzone=y` or `"disable-redzone": true` ' +
  '(Rust), or, in hand-written assembly, reserve the space with `sub $N, %rsp` before using it. ' +
  'Note that `-mcmodel=kernel`, `-ffreestanding` and `-mgeneral-regs-only` do not turn the red zone off.';

/** Every finding code, in the order the README documents them. */
export const findingTable: readonly FindingInfo[] = [
  {
    code: 'red-zone-store',
    severity: 'warning',
    summary: 'Kernel code writes below the current stack pointer.',
    documentation: [
      'A store to memory below RSP in code that runs where interrupts use the same stack (kernel, firmware, boot, hypervisor).',
      interruptFrame,
      'Example (gcc -O0 leaf function, RBP equals RSP):\n\n```\npush %rbp\nmov  %rsp,%rbp\nmov  %edi,-20(%rbp)   # stored at RSP-20: an interrupt may overwrite it\n```',
      fixBuild,
    ].join('\n\n'),
  },
  {
    code: 'red-zone-load',
    severity: 'warning',
    summary: 'Kernel code reads below the current stack pointer.',
    documentation: [
      'A load from memory below RSP in kernel-tagged code. The value read may have been overwritten by an interrupt frame since it was stored.',
      interruptFrame,
      'Code that runs on a stack of its own, reached only through an IST gate while the interrupt it serves is blocked, may read below RSP on purpose: Linux\'s NMI entry (`asm_exc_nmi`) reads its "NMI executing" flag at RSP-8 and copies a saved interrupt frame from RSP-48. The analysis cannot see which gate leads to the code, so such reads are reported like any other; once you have checked that nothing else pushes on that stack, silence the line with a `redzone-ignore` comment.',
      fixBuild,
    ].join('\n\n'),
  },
  {
    code: 'below-red-zone',
    severity: 'error',
    summary: "Memory is accessed further below the stack pointer than the ABI's red zone allows.",
    documentation: [
      'The System V x86-64 ABI reserves 128 bytes below RSP that signal and interrupt handlers leave alone. ' +
        'The Windows x64 ABI (and UEFI) and the i386 System V ABI reserve none. ' +
        'An access beyond that area is a bug in any code, user or kernel: a signal handler, an interrupt or the next `call` may overwrite it.',
      'Example (`--abi ms`): `mov %rcx,-8(%rsp)` in a Windows x64 function.',
      'Fix: allocate the space with `sub $N, %rsp` first, or keep the data in the frame.',
    ].join('\n\n'),
  },
  {
    code: 'red-zone-clobbered',
    severity: 'error',
    summary: 'Data stored below the stack pointer is overwritten by a call, push or pushf before it is read.',
    documentation: [
      '`call`, `push` and `pushf` write [RSP-8, RSP) themselves. When the function keeps data there that it reads afterwards, ' +
        'the data is destroyed even in user code and even with interrupts off. ' +
        'A real Zephyr bug: `pushfq` in inline assembly turned a local variable holding 42 into 582 at -O0.',
      'Example:\n\n```\nmovl $42,-4(%rsp)\npushfq               # writes [RSP-8, RSP): the 42 is gone\npopq %rax\nmovl -4(%rsp),%eax\n```',
      'Fix: build with `-mno-red-zone`, or allocate the space (`sub $16, %rsp`) before the inline `pushf`/`call`.',
    ].join('\n\n'),
  },
  {
    code: 'stack-unknown',
    severity: 'information',
    summary: 'The analysis lost track of the stack pointer; accesses after this point are not checked.',
    documentation: [
      'The stack pointer was changed by an amount the analysis cannot prove (`sub %rax,%rsp` for `alloca`, ' +
        'a `mov` from memory, an instruction it does not model, a word it does not know: usually a macro whose definition it could not read, so give it the include paths or a `compile_commands.json` entry), or two paths reach a point with different stack pointers. ' +
        'redzone-lint never guesses: code after this point is neither reported nor proven safe.',
      'Fix: nothing, if the code is correct; review the accesses after this point by hand, or restructure so the stack pointer is a known constant offset.',
    ].join('\n\n'),
  },
];

/** Looks up a code's table entry; undefined for an unknown code. */
export function findingInfo(code: string): FindingInfo | undefined {
  return findingTable.find((info) => info.code === code);
}

/** The documentation link of a code (README section anchor). */
export function findingDocUrl(code: FindingCode): string {
  return `https://github.com/redzone-lint/redzone-lint#${code}`;
}
