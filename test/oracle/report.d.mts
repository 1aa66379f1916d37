// Types for report.mjs (and the results of score.mjs), so oracle.test.ts can use them under `strict`.
import type { OracleBuild } from './corpus.mjs';

export interface OracleRow {
  compiler: string;
  level: string;
  /** The red-zone build's flags that matter here, e.g. `-O1 -g`. */
  flags: string;
  syntax: string;
  functions: number;
  redZone: number;
  spurious: number;
  tp: number;
  fp: number;
  fn: number;
  /** False negatives that the CLI reports as stack-unknown (it says it cannot tell). */
  fnUnknown: number;
  stackUnknown: number;
  noRedZoneFlagged: number;
  noRedZoneStackUnknown: number;
  precision: number;
  recall: number;
  /** tp / (tp + the false negatives not reported stack-unknown). */
  decidedRecall: number;
}

export interface Disagreement {
  compiler: string;
  level: string;
  syntax: string;
  unit: string;
  function: string;
  file: string;
  line: number;
  code?: string;
  message?: string;
  /** For false negatives: the CLI reported the function stack-unknown. */
  unknown?: boolean;
}

export interface Scored {
  table: OracleRow[];
  falsePositives: Disagreement[];
  falseNegatives: Disagreement[];
  noRedZoneFlags: Disagreement[];
  unmatched: Disagreement[];
  inputMismatches: { file: string; syntax: string; input: string }[];
  fileErrors: { file: string; error: string }[];
}

export function formatTable(table: OracleRow[]): string;
export function runOracle(options: {
  root: string;
  log?: (line: string) => void;
  cli?: string;
}): Promise<{ scored: Scored; report: string; table: string; reportPath: string; corpus: { builds: OracleBuild[] } }>;
