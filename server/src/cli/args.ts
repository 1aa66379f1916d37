/**
 * The command line: options, validation and the usage text. Pure: it gets the argument array
 * from `main.ts` and returns a command or a usage error, so it can be tested without a process.
 */
import { parseArgs } from 'node:util';
import type { Abi, TextSyntax } from '../core/index';
import { defaultMaxFileSize } from '../core/objects/index';

/** Output formats of `check`. */
export type Format = 'text' | 'json' | 'sarif';

/** Options shared by `check` and `layout`: everything that decides how a file is analyzed. */
export interface AnalysisFlags {
  /** `--kernel` / `--user`. */
  readonly forced: 'kernel' | 'user' | undefined;
  readonly abi: Abi | undefined;
  readonly syntax: TextSyntax | undefined;
  readonly kernelGlobs: readonly string[];
  readonly userGlobs: readonly string[];
  readonly compileCommands: string | undefined;
  /** False with `--no-detect-kernel`. */
  readonly detectKernel: boolean;
  /** `-I DIR`: where `#include`, `.include` and `%include` look after the file's own directory. */
  readonly includePaths: readonly string[];
  /** `-D NAME[=VALUE]`: symbols the C and NASM preprocessors start with. */
  readonly defines: readonly string[];
  /** `--max-file-size MiB`, in bytes: what is read of one input at most (of an ELF file, the sections the analysis reads). */
  readonly maxFileSize: number;
}

/** A parsed command line. */
export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'check'; readonly flags: AnalysisFlags; readonly format: Format; /** 0: the default (the number of processors). */ readonly jobs: number; readonly paths: readonly string[] }
  | { readonly kind: 'explain'; readonly code: string }
  | { readonly kind: 'layout'; readonly flags: AnalysisFlags; readonly file: string; readonly line: number }
  | { readonly kind: 'disasm'; readonly file: string; readonly intel: boolean; /** Bytes, from `--max-file-size`. */ readonly maxFileSize: number };

/** A command, or a usage error to print with the usage text (exit code 2). */
export type ParsedCommandLine = { readonly ok: true; readonly command: Command } | { readonly ok: false; readonly message: string };

/** The command synopsis, printed after a usage error. */
export const synopsis = `Usage:
  redzone-lint check [options] PATH...     report red-zone use in files and directories
  redzone-lint explain CODE                print the documentation of a finding code
  redzone-lint layout [options] FILE LINE  print the stack frame at the instruction on LINE (1-based)
  redzone-lint disasm [--intel] FILE       print the listing that findings in an object file refer to
                                           (AT&T like objdump -d; --intel like objdump -d -M intel;
                                           FILE may name an archive member: 'libc.a(printf.o)')
  redzone-lint --help | --version
`;

/** The full help text (`--help`). */
export const usage = `${synopsis}
Options of check (and, except --format and --jobs, of layout):
  --kernel, --user           treat every input as kernel code / user code
  --abi sysv|ms|i386         the ABI, which sets the red-zone size (default sysv; i386 for 32-bit code)
  --format text|json|sarif   output format of check (default text)
  --jobs N                   analyze up to N object files at once (default: the number of processors)
  --syntax att|intel|nasm|objdump-att|objdump-intel
                             the input dialect instead of detecting it
  --kernel-glob GLOB         files matching GLOB (relative to the working directory) are kernel code; repeatable
  --user-glob GLOB           files matching GLOB are user code; repeatable
  --compile-commands FILE    the compile_commands.json to read build flags from
                             (default: looked for beside each input and in its parent directories)
  --no-detect-kernel         do not infer kernel code from privileged instructions or kernel sections
  -I DIR, --include-path DIR where #include, .include and %include look after the file's directory; repeatable
  -D NAME[=VALUE], --define NAME[=VALUE]
                             predefine a symbol for the C (.S files) and NASM preprocessors; repeatable
  --max-file-size MIB        read at most MIB mebibytes of one input (default 64; also for disasm): a text
                             file or archive whole, an ELF file only the sections the analysis reads
                             (code, symbols, DWARF units and lines): 67 of a Debian vmlinux's 604 MiB

Exit status: 0 no warnings or errors, 1 findings, 2 usage or input error.
`;

const abis: readonly Abi[] = ['sysv', 'ms', 'i386'];
const formats: readonly Format[] = ['text', 'json', 'sarif'];
const syntaxes: readonly TextSyntax[] = ['att', 'intel', 'nasm', 'objdump-att', 'objdump-intel'];
const commands = ['check', 'explain', 'layout', 'disasm', 'help'] as const;

const optionSpec = {
  kernel: { type: 'boolean' },
  user: { type: 'boolean' },
  abi: { type: 'string' },
  format: { type: 'string' },
  jobs: { type: 'string' },
  syntax: { type: 'string' },
  'kernel-glob': { type: 'string', multiple: true },
  'user-glob': { type: 'string', multiple: true },
  'compile-commands': { type: 'string' },
  'no-detect-kernel': { type: 'boolean' },
  'include-path': { type: 'string', multiple: true, short: 'I' },
  define: { type: 'string', multiple: true, short: 'D' },
  'max-file-size': { type: 'string' },
  intel: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

type OptionName = keyof typeof optionSpec;
const analysisOptionNames: readonly OptionName[] = ['kernel', 'user', 'abi', 'syntax', 'kernel-glob', 'user-glob', 'compile-commands', 'no-detect-kernel', 'include-path', 'define', 'max-file-size'];
const allowed: Readonly<Record<(typeof commands)[number], readonly OptionName[]>> = {
  check: [...analysisOptionNames, 'format', 'jobs'],
  layout: analysisOptionNames,
  explain: [],
  disasm: ['intel', 'max-file-size'],
  help: [],
};

/** Parses the arguments after `redzone-lint` (without node and the script path). */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: optionSpec, allowPositionals: true, strict: true });
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  const { values, positionals } = parsed;
  if (values.help) return { ok: true, command: { kind: 'help' } };
  if (values.version) return { ok: true, command: { kind: 'version' } };
  const [name, ...rest] = positionals;
  if (name === undefined) return { ok: false, message: 'no command given' };
  if (!(commands as readonly string[]).includes(name)) {
    return { ok: false, message: `unknown command '${name}' (expected one of: ${commands.join(', ')})` };
  }
  const command = name as (typeof commands)[number];
  for (const option of Object.keys(values) as OptionName[]) {
    if (values[option] !== undefined && !allowed[command].includes(option)) {
      return { ok: false, message: `option --${option} does not apply to '${command}'` };
    }
  }
  switch (command) {
    case 'help':
      return { ok: true, command: { kind: 'help' } };
    case 'explain':
      if (rest.length !== 1) return { ok: false, message: `'explain' takes exactly one CODE, got ${rest.length}` };
      return { ok: true, command: { kind: 'explain', code: rest[0]! } };
    case 'disasm':
      if (rest.length !== 1) return { ok: false, message: `'disasm' takes exactly one FILE, got ${rest.length}` };
      const maxFileSize = maxFileSizeOf(values);
      if (typeof maxFileSize === 'string') return { ok: false, message: maxFileSize };
      return { ok: true, command: { kind: 'disasm', file: rest[0]!, intel: values.intel === true, maxFileSize } };
    case 'layout': {
      const flags = analysisFlags(values);
      if (typeof flags === 'string') return { ok: false, message: flags };
      if (rest.length !== 2) return { ok: false, message: `'layout' takes FILE and LINE, got ${rest.length} argument(s)` };
      const line = positiveInteger(rest[1]!);
      if (line === undefined) return { ok: false, message: `LINE must be a positive integer (1-based), got '${rest[1]}'` };
      return { ok: true, command: { kind: 'layout', flags, file: rest[0]!, line } };
    }
    case 'check': {
      const flags = analysisFlags(values);
      if (typeof flags === 'string') return { ok: false, message: flags };
      const format = values.format ?? 'text';
      if (!(formats as readonly string[]).includes(format)) {
        return { ok: false, message: `--format must be one of ${formats.join(', ')}, got '${format}'` };
      }
      // 0 stands for the default, the number of processors, which only the host knows.
      const jobs = values.jobs === undefined ? 0 : positiveInteger(values.jobs);
      if (jobs === undefined) return { ok: false, message: `--jobs must be a positive integer, got '${values.jobs}'` };
      if (rest.length === 0) return { ok: false, message: "'check' needs at least one PATH" };
      return { ok: true, command: { kind: 'check', flags, format: format as Format, jobs, paths: rest } };
    }
  }
}

type Values = ReturnType<typeof parseArgs<{ options: typeof optionSpec; allowPositionals: true; strict: true }>>['values'];

/** Validates the analysis options; returns a usage message when they are wrong. */
function analysisFlags(values: Values): AnalysisFlags | string {
  if (values.kernel && values.user) return '--kernel and --user exclude each other';
  if (values.abi !== undefined && !(abis as readonly string[]).includes(values.abi)) {
    return `--abi must be one of ${abis.join(', ')}, got '${values.abi}'`;
  }
  if (values.syntax !== undefined && !(syntaxes as readonly string[]).includes(values.syntax)) {
    return `--syntax must be one of ${syntaxes.join(', ')}, got '${values.syntax}'`;
  }
  const maxFileSize = maxFileSizeOf(values);
  if (typeof maxFileSize === 'string') return maxFileSize;
  return {
    maxFileSize,
    forced: values.kernel ? 'kernel' : values.user ? 'user' : undefined,
    abi: values.abi as Abi | undefined,
    syntax: values.syntax as TextSyntax | undefined,
    kernelGlobs: values['kernel-glob'] ?? [],
    userGlobs: values['user-glob'] ?? [],
    compileCommands: values['compile-commands'],
    detectKernel: !values['no-detect-kernel'],
    includePaths: values['include-path'] ?? [],
    defines: values.define ?? [],
  };
}

/** `--max-file-size MIB` in bytes, or a usage message. */
function maxFileSizeOf(values: Values): number | string {
  if (values['max-file-size'] === undefined) return defaultMaxFileSize;
  const mib = positiveInteger(values['max-file-size']);
  if (mib === undefined || mib > 1048576) return `--max-file-size must be a whole number of MiB from 1 to 1048576, got '${values['max-file-size']}'`;
  return mib * 1048576;
}

/** Parses a decimal positive integer no larger than 2^31; anything else is undefined. */
function positiveInteger(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,9}$/.test(text)) return undefined;
  const value = Number(text);
  return value <= 2 ** 31 ? value : undefined;
}
