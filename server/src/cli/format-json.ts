/**
 * `check --format json`: the document whose shape docs/contracts.md fixes (external tests read it).
 *
 * Decisions inside the contract: `line`/`column` are 1-based and columns count UTF-16 code units;
 * `endColumn` is exclusive (the column after the last character), as in SARIF; `kind`, `offset`
 * and `size` are `null` when the finding is not a memory access (`stack-unknown`); `source` is
 * present only when the C source position is known. Key order follows the contract.
 */
import { findingTable, type FindingCode, type Severity } from '../core/index';
import type { CheckRun } from './check';
import type { LocatedFinding } from './locate';

/** Run-level counts; not part of the fixed contract beyond being an object. */
export interface Stats {
  readonly files: number;
  readonly filesWithErrors: number;
  readonly functions: number;
  readonly findings: number;
  readonly byCode: Readonly<Record<FindingCode, number>>;
  readonly bySeverity: Readonly<Record<Severity, number>>;
  /** Non-fatal parse problems reported by the core. */
  readonly problems: number;
  readonly elapsedMs: number;
}

/** Counts the run's files, functions and findings. */
export function statsOf(run: CheckRun, findings: readonly LocatedFinding[]): Stats {
  const byCode = Object.fromEntries(findingTable.map((info) => [info.code, 0])) as Record<FindingCode, number>;
  const bySeverity: Record<Severity, number> = { error: 0, warning: 0, information: 0 };
  for (const { finding } of findings) {
    byCode[finding.code] = (byCode[finding.code] ?? 0) + 1;
    bySeverity[finding.severity]++;
  }
  return {
    files: run.files.length,
    filesWithErrors: run.files.filter((file) => file.error !== undefined).length,
    functions: run.files.reduce((sum, file) => sum + file.functions, 0),
    findings: findings.length,
    byCode,
    bySeverity,
    problems: run.files.reduce((sum, file) => sum + (file.report?.problems.length ?? 0), 0),
    elapsedMs: Math.round(run.elapsedMs * 10) / 10,
  };
}

/** Renders the JSON document (with a trailing newline). */
export function formatJson(run: CheckRun, findings: readonly LocatedFinding[]): string {
  const document = {
    version: 1,
    findings: findings.map(({ path, range, finding }) => ({
      path,
      line: range.line,
      column: range.column,
      endLine: range.endLine,
      endColumn: range.endColumn,
      function: finding.function,
      code: finding.code,
      severity: finding.severity,
      kind: finding.kind ?? null,
      offset: finding.offset ?? null,
      size: finding.size ?? null,
      message: finding.message,
      kernelReason: finding.kernelReason,
      ...(finding.source !== undefined ? { source: { path: finding.source.path, line: finding.source.line } } : {}),
    })),
    files: run.files.map((file) => ({
      path: file.path,
      input: file.input,
      kernel: file.kernel,
      functions: file.functions,
      ...(file.error !== undefined ? { error: file.error } : {}),
    })),
    stats: statsOf(run, findings),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
