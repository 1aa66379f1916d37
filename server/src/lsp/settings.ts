/**
 * The one settings module: what the `redzone.*` settings are, their defaults, and how a raw value
 * from `workspace/configuration` becomes a `Settings` value.
 *
 * Settings are read per resource (a folder can tag its files differently from its neighbour) and
 * never stored globally. A value of the wrong type never reaches the analysis: it is replaced by
 * the default and explained in a message, so a typo in settings.json is visible instead of silent.
 * `settingsSchema` is the source of truth that a test compares with package.json
 * `contributes.configuration`.
 */
import { findingTable, type FindingCode } from '../core/index';

/** What `redzone.abi` may say; `auto` lets the analysis choose (SysV, or i386 for 32-bit code). */
export type AbiSetting = 'auto' | 'sysv' | 'ms' | 'i386';

/** A per-code severity override; `off` hides the code. */
export type SeverityOverride = 'error' | 'warning' | 'information' | 'hint' | 'off';

/** How much of the protocol traffic the VS Code client logs. */
export type TraceSetting = 'off' | 'messages' | 'verbose';

/** The sanitized settings of one resource. */
export interface Settings {
  /** Globs of files that count as kernel code (precedence 2, after the magic comment). */
  readonly kernelFiles: readonly string[];
  /** Globs of files that count as user code. */
  readonly userFiles: readonly string[];
  /** Content evidence (privileged instructions, kernel sections) may tag a file as kernel code. */
  readonly detectKernel: boolean;
  readonly abi: AbiSetting;
  /** Severity overrides by finding code. */
  readonly severity: Readonly<Partial<Record<FindingCode, SeverityOverride>>>;
  /** Path of compile_commands.json; empty means search the folder and its `build/` directory. */
  readonly compileCommands: string;
  /** Globs of the ELF objects the scan of the build output analyzes (empty: the default globs). */
  readonly objectGlobs: readonly string[];
  /** Show "frame 24 B, red zone 16 B, 2 findings" above each function. */
  readonly codeLens: boolean;
  /** Directories `#include`, `.include` and `%include` search after the file's own (relative to the workspace folder). */
  readonly includePaths: readonly string[];
  /** Symbols predefined for the C and NASM preprocessors: `NAME` or `NAME=VALUE`. */
  readonly defines: readonly string[];
  /** Show lines that could not be expanded or read as information diagnostics. */
  readonly showCoverage: boolean;
  /** At most this many compilers run at once for C, C++ and Rust sources (trusted workspaces only). */
  readonly sourceJobs: number;
  /** Also compile a C or C++ source while it is edited (its unsaved text on standard input), not only on save. */
  readonly compileOnChange: boolean;
  /** MiB read at most of one object file (of an ELF file, the sections its analysis reads), as `--max-file-size`. */
  readonly maxFileSize: number;
  readonly trace: { readonly server: TraceSetting };
}

/** The result of parsing: always usable settings, plus one sentence per rejected value. */
export interface ParsedSettings {
  readonly settings: Settings;
  readonly problems: readonly string[];
}

const severityValues: readonly SeverityOverride[] = ['error', 'warning', 'information', 'hint', 'off'];
const abiValues: readonly AbiSetting[] = ['auto', 'sysv', 'ms', 'i386'];
const traceValues: readonly TraceSetting[] = ['off', 'messages', 'verbose'];

/** The defaults, used for every missing or invalid value. */
export const defaultSettings: Settings = {
  kernelFiles: [],
  userFiles: [],
  detectKernel: true,
  abi: 'auto',
  severity: {},
  compileCommands: '',
  objectGlobs: [],
  codeLens: true,
  includePaths: [],
  defines: [],
  showCoverage: false,
  sourceJobs: 2,
  compileOnChange: false,
  maxFileSize: 64,
  trace: { server: 'off' },
};

/** One entry of the settings schema, in the shape package.json `contributes.configuration` uses. */
export interface SettingSpec {
  readonly key: string;
  readonly type: 'array' | 'boolean' | 'string' | 'object' | 'integer';
  readonly default: unknown;
  readonly enum?: readonly string[];
  readonly description: string;
}

/** Every setting, as package.json must declare it. */
export const settingsSchema: readonly SettingSpec[] = [
  {
    key: 'redzone.kernelFiles',
    type: 'array',
    default: defaultSettings.kernelFiles,
    description: 'Glob patterns of files that count as kernel code (red-zone use is reported). The magic comment `redzone: user` in a file still wins.',
  },
  {
    key: 'redzone.userFiles',
    type: 'array',
    default: defaultSettings.userFiles,
    description: 'Glob patterns of files that count as user code (only ABI violations are reported).',
  },
  {
    key: 'redzone.detectKernel',
    type: 'boolean',
    default: defaultSettings.detectKernel,
    description: 'Treat files with privileged instructions (cli, lgdt, wrmsr, mov to %cr*) or kernel sections as kernel code.',
  },
  {
    key: 'redzone.abi',
    type: 'string',
    default: defaultSettings.abi,
    enum: abiValues,
    description: 'The ABI whose red zone applies: sysv (128 bytes), ms (Windows x64 and UEFI, none), i386 (none), or auto.',
  },
  {
    key: 'redzone.severity',
    type: 'object',
    default: defaultSettings.severity,
    description: 'Severity overrides by finding code, e.g. {"red-zone-load": "information"}; "off" hides a code.',
  },
  {
    key: 'redzone.compileCommands',
    type: 'string',
    default: defaultSettings.compileCommands,
    description: 'Path of compile_commands.json (relative to the workspace folder). Empty: search the folder and its build/ directory.',
  },
  {
    key: 'redzone.objectGlobs',
    type: 'array',
    default: defaultSettings.objectGlobs,
    description: 'Glob patterns of the ELF objects (.o, .ko, .a) that "Scan Build Output for Red-Zone Use" analyzes. Empty: **/*.o, **/*.ko and **/*.a.',
  },
  {
    key: 'redzone.codeLens',
    type: 'boolean',
    default: defaultSettings.codeLens,
    description: 'Show the frame size, red-zone bytes and finding count above each function.',
  },
  {
    key: 'redzone.includePaths',
    type: 'array',
    default: defaultSettings.includePaths,
    description: 'Directories (absolute, or relative to the workspace folder) where #include in .S files, .include and NASM %include look after the file\'s own directory.',
  },
  {
    key: 'redzone.defines',
    type: 'array',
    default: defaultSettings.defines,
    description: 'Symbols predefined for the C preprocessor of .S files and for NASM\'s, as NAME or NAME=VALUE (like -D).',
  },
  {
    key: 'redzone.showCoverage',
    type: 'boolean',
    default: defaultSettings.showCoverage,
    description: 'Show the lines that were not analyzed (a macro that could not be expanded, a condition that could not be evaluated, an unreadable line) as information diagnostics.',
  },
  {
    key: 'redzone.sourceJobs',
    type: 'integer',
    default: defaultSettings.sourceJobs,
    description: 'At most this many compilers run at once to check C, C++ and Rust sources on save (trusted workspaces only).',
  },
  {
    key: 'redzone.compileOnChange',
    type: 'boolean',
    default: defaultSettings.compileOnChange,
    description: 'Also compile C and C++ sources while they are edited (the unsaved text, on standard input), not only on save.',
  },
  {
    key: 'redzone.maxFileSize',
    type: 'integer',
    default: defaultSettings.maxFileSize,
    description: 'At most this many MiB are read of one object file for the disassembly view and the build-output scan: an archive whole, an ELF file only the sections the analysis reads (a Debian vmlinux of 604 MiB needs 67). Like `redzone-lint check --max-file-size`.',
  },
  {
    key: 'redzone.trace.server',
    type: 'string',
    default: defaultSettings.trace.server,
    enum: traceValues,
    description: 'Log the messages between VS Code and the redzone-lint language server.',
  },
];

/** The codes `redzone.severity` may name. */
export const severityCodes: readonly FindingCode[] = findingTable.map((info) => info.code);

/** The enum of each `redzone.severity` entry. */
export const severityOverrideValues = severityValues;

/**
 * Turns whatever the client sent for the `redzone` section into settings.
 * It never throws: `null`, numbers, wrong types and unknown codes give the default plus a problem.
 */
export function parseSettings(raw: unknown): ParsedSettings {
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { settings: defaultSettings, problems };
  if (!isRecord(raw)) {
    problems.push(`The "redzone" settings must be an object, not ${describe(raw)}; using the defaults.`);
    return { settings: defaultSettings, problems };
  }
  const reader = new Reader(raw, problems);
  const settings: Settings = {
    kernelFiles: reader.globs('kernelFiles'),
    userFiles: reader.globs('userFiles'),
    detectKernel: reader.boolean('detectKernel'),
    abi: reader.oneOf('abi', abiValues),
    severity: reader.severity(),
    compileCommands: reader.string('compileCommands'),
    objectGlobs: reader.globs('objectGlobs'),
    codeLens: reader.boolean('codeLens'),
    includePaths: reader.globs('includePaths'),
    defines: reader.globs('defines'),
    showCoverage: reader.boolean('showCoverage'),
    sourceJobs: reader.integer('sourceJobs', 1, 64),
    maxFileSize: reader.integer('maxFileSize', 1, 1048576),
    compileOnChange: reader.boolean('compileOnChange'),
    trace: { server: reader.trace() },
  };
  return { settings, problems };
}

/**
 * The `redzone` section in what a client sends through `initializationOptions` or
 * `workspace/didChangeConfiguration`'s `settings`. Clients nest it differently, so each of these
 * is accepted: `{ "redzone": { "kernelFiles": [...] } }` (as in VS Code's settings.json),
 * `{ "settings": { "redzone": {...} } }`, `{ "settings": { "kernelFiles": [...] } }`, and the section itself,
 * `{ "kernelFiles": [...] }`. Undefined when there is no section (VS Code sends `null` and is asked instead).
 */
export function redzoneSection(raw: unknown): unknown {
  if (!isRecord(raw)) return undefined;
  if ('redzone' in raw) return raw.redzone ?? undefined;
  if ('settings' in raw) return redzoneSection(raw.settings) ?? (isRecord(raw.settings) && isSection(raw.settings) ? raw.settings : undefined);
  return isSection(raw) ? raw : undefined;
}

/** True when a record has at least one key of the `redzone` section. */
function isSection(raw: Record<string, unknown>): boolean {
  return Object.keys(raw).some((key) => settingsSchema.some((spec) => spec.key === `redzone.${key}` || spec.key.startsWith(`redzone.${key}.`)));
}

/** Reads one field after another, falling back to the default and noting why. */
class Reader {
  readonly #raw: Record<string, unknown>;
  readonly #problems: string[];

  constructor(raw: Record<string, unknown>, problems: string[]) {
    this.#raw = raw;
    this.#problems = problems;
  }

  /** A list of non-empty strings (globs, paths, defines). */
  globs(key: 'kernelFiles' | 'userFiles' | 'objectGlobs' | 'includePaths' | 'defines'): readonly string[] {
    const value = this.#raw[key];
    if (value === undefined || value === null) return defaultSettings[key];
    if (!Array.isArray(value)) {
      this.#reject(key, value, key === 'includePaths' ? 'a list of directories' : key === 'defines' ? 'a list of NAME or NAME=VALUE' : 'a list of glob patterns');
      return defaultSettings[key];
    }
    const globs = value.filter((item): item is string => typeof item === 'string' && item.trim() !== '');
    if (globs.length !== value.length) {
      this.#problems.push(`redzone.${key}: ignored ${value.length - globs.length} entries that are not non-empty strings.`);
    }
    return globs;
  }

  integer(key: 'sourceJobs' | 'maxFileSize', min: number, max: number): number {
    const value = this.#raw[key];
    if (value === undefined || value === null) return defaultSettings[key];
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    this.#reject(key, value, `a whole number from ${min} to ${max}`);
    return defaultSettings[key];
  }

  boolean(key: 'detectKernel' | 'codeLens' | 'compileOnChange' | 'showCoverage'): boolean {
    const value = this.#raw[key];
    if (value === undefined || value === null) return defaultSettings[key];
    if (typeof value === 'boolean') return value;
    this.#reject(key, value, 'true or false');
    return defaultSettings[key];
  }

  string(key: 'compileCommands'): string {
    const value = this.#raw[key];
    if (value === undefined || value === null) return defaultSettings[key];
    if (typeof value === 'string') return value.trim();
    this.#reject(key, value, 'a path');
    return defaultSettings[key];
  }

  oneOf(key: 'abi', values: readonly AbiSetting[]): AbiSetting {
    const value = this.#raw[key];
    if (value === undefined || value === null) return defaultSettings[key];
    const found = values.find((candidate) => candidate === value);
    if (found !== undefined) return found;
    this.#reject(key, value, `one of ${values.join(', ')}`);
    return defaultSettings[key];
  }

  severity(): Settings['severity'] {
    const value = this.#raw.severity;
    if (value === undefined || value === null) return defaultSettings.severity;
    if (!isRecord(value)) {
      this.#reject('severity', value, 'an object mapping finding codes to severities');
      return defaultSettings.severity;
    }
    const result: Partial<Record<FindingCode, SeverityOverride>> = {};
    for (const [code, level] of Object.entries(value)) {
      const known = severityCodes.find((candidate) => candidate === code);
      if (known === undefined) {
        this.#problems.push(`redzone.severity: "${code}" is not a finding code (known: ${severityCodes.join(', ')}); ignored.`);
        continue;
      }
      const severity = severityValues.find((candidate) => candidate === level);
      if (severity === undefined) {
        this.#problems.push(`redzone.severity["${code}"]: ${describe(level)} is not one of ${severityValues.join(', ')}; ignored.`);
        continue;
      }
      result[known] = severity;
    }
    return result;
  }

  trace(): TraceSetting {
    const trace = this.#raw.trace;
    if (trace === undefined || trace === null) return defaultSettings.trace.server;
    const value = isRecord(trace) ? trace.server : undefined;
    const found = traceValues.find((candidate) => candidate === value);
    if (found !== undefined) return found;
    if (isRecord(trace) && (value === undefined || value === null)) return defaultSettings.trace.server;
    this.#reject('trace.server', isRecord(trace) ? value : trace, `one of ${traceValues.join(', ')}`);
    return defaultSettings.trace.server;
  }

  #reject(key: string, value: unknown, expected: string): void {
    this.#problems.push(`redzone.${key}: expected ${expected}, got ${describe(value)}; using the default.`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short, safe description of a rejected value for messages. */
function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
