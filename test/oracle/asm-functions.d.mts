// Types for asm-functions.mjs, so the TypeScript tests can import it under `strict`.

export interface AsmFunction {
  name: string;
  /** 1-based line of the `.type NAME,@function` directive. */
  startLine: number;
  /** 1-based line of the `.size NAME` directive. */
  endLine: number;
  lines: string[];
}

export function splitFunctions(text: string): AsmFunction[];
export function normalizeFunction(lines: readonly string[]): string[];
export function parentFunction(name: string): string;
export function normalizedFunctions(text: string): Map<string, string>;
export function touchesStackRegister(code: string): boolean;
export function diffBuilds(
  redZoneText: string,
  noRedZoneText: string,
): { usesRedZone: Map<string, boolean>; spurious: string[]; unpaired: string[] };
