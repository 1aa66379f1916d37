// Types for corpus.mjs, so the TypeScript tests can import it under `strict`.

/** The ground truth of one unit built by one compiler at one level in one syntax. */
export interface OracleBuild {
  compiler: string;
  compilerVersion: string;
  level: string;
  syntax: 'att' | 'intel';
  /** Flags of the red-zone build; the other build adds -mno-red-zone. */
  flags: string[];
  package: string;
  unit: string;
  source: string;
  /** Paths relative to the repository root. */
  redZone: string;
  noRedZone: string;
  /** Function (cold parts folded into their parent) -> uses the red zone. */
  functions: Record<string, boolean>;
  /** Functions whose code differs although they never address the stack (counted as not using it). */
  spurious: string[];
  /** Functions present in only one of the two builds (not judged). */
  unpaired: string[];
}

export const COMPILERS: string[];
export const LEVELS: string[];
export const SYNTAXES: string[];
export function buildFlags(cc: string, level: string, syntax: string, redZone: boolean): string[];
export function compilerVersion(cc: string): string;
/** Compiles into `output` through a private partial file renamed on success. */
export function compile(cc: string, args: string[], cwd: string, output: string): Promise<undefined>;
export function buildCorpus(options: {
  root: string;
  log?: (line: string) => void;
  jobs?: number;
}): Promise<{ builds: OracleBuild[]; truthPath: string; compiled: number; reused: number; seconds: number }>;
