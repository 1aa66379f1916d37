/**
 * Places the core's findings in their files: 1-based ranges for the finding and its related
 * locations, and the text of the finding's line, shared by the text, JSON and SARIF formats.
 */
import type { Finding } from '../core/index';
import type { CheckRun } from './check';
import { LineIndex, rangeOf, type Range1 } from './line-index';

/** A related location of a finding, placed. */
export interface LocatedRelated {
  readonly range: Range1;
  readonly message: string;
  readonly lineText: string;
}

/** A finding with its path and 1-based range. */
export interface LocatedFinding {
  readonly path: string;
  readonly range: Range1;
  readonly finding: Finding;
  /** Whether the file counts as kernel code (the finding's `kernelReason` says why). */
  readonly kernel: boolean;
  /** The text of the finding's first line, for the text format's caret display. */
  readonly lineText: string;
  readonly related: readonly LocatedRelated[];
}

/** Every finding of the run, in input order and, within a file, by position. */
export function locateFindings(run: CheckRun): LocatedFinding[] {
  const located: LocatedFinding[] = [];
  for (const file of run.files) {
    // Indexing a 100 000-line file costs time; files without findings need no positions.
    if (file.report === undefined || file.text === undefined || file.report.findings.length === 0) continue;
    const index = new LineIndex(file.text);
    const inFile = file.report.findings.map((finding) => ({
      path: file.path,
      range: rangeOf(index, finding.line, finding.span),
      finding,
      kernel: file.kernel,
      lineText: index.lineText(finding.line),
      related: finding.related.map((related) => ({
        range: rangeOf(index, related.line, related.span),
        message: related.message,
        lineText: index.lineText(related.line),
      })),
    }));
    inFile.sort((a, b) => a.range.line - b.range.line || a.range.column - b.range.column);
    located.push(...inFile);
  }
  return located;
}
