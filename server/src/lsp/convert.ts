/**
 * The one conversion file between the core's plain data and LSP types (rust-analyzer's `to_proto`).
 *
 * The core speaks UTF-16 offsets and 0-based lines; LSP speaks positions. Every translation of a
 * finding, a span, an edit or a frame layout into LSP happens here, so handlers stay thin and the
 * Markdown the hover shows is written in one place.
 */
import {
  DiagnosticSeverity,
  type Diagnostic,
  type DiagnosticRelatedInformation,
  type Range,
  type TextEdit,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { findingDocUrl, findingInfo, type FindingCode, type Finding, type FrameLayout, type FrameRow, type KernelVerdict, type Severity } from '../core/index';
import type { Span } from '../core/ir';
import type { TextEdit as CoreTextEdit } from '../core/fixes/index';
import type { SeverityOverride } from './settings';

/** Every diagnostic the server publishes carries this `source`. */
export const diagnosticSource = 'redzone';

/** The code of the diagnostic that says a file was too large to analyze. */
export const tooLargeCode = 'file-too-large';

/** The code of the diagnostic that says the analysis itself failed (a bug, reported instead of crashing). */
export const internalErrorCode = 'internal-error';

/**
 * What a diagnostic carries in `data` for `textDocument/codeAction`, so code actions need no side
 * table: LSP returns the diagnostic, with its data, in the code action request.
 */
export interface DiagnosticData {
  readonly code: FindingCode;
  readonly function: string;
  /** 0-based line of the finding. */
  readonly line: number;
  readonly kind: 'store' | 'load' | undefined;
  readonly offset: number | undefined;
  readonly size: number | undefined;
  /** Whether the file counted as kernel code when the finding was made. */
  readonly kernel: boolean;
  /** Set on findings in a C, C++ or Rust source, found by compiling it: the fix is in its build. */
  readonly compiled?: boolean;
}

/** Reads `Diagnostic.data` back, or undefined when it is not ours (clients may drop or mangle it). */
export function diagnosticData(diagnostic: Diagnostic): DiagnosticData | undefined {
  const data: unknown = diagnostic.data;
  if (typeof data !== 'object' || data === null) return undefined;
  const record = data as Record<string, unknown>;
  if (typeof record.code !== 'string' || findingInfo(record.code) === undefined || typeof record.line !== 'number') return undefined;
  return data as DiagnosticData;
}

/** A core span as an LSP range of the document. */
export function spanToRange(document: TextDocument, span: Span): Range {
  const start = Math.max(0, Math.min(span.start, span.end));
  return { start: document.positionAt(start), end: document.positionAt(Math.max(start, span.end)) };
}

/** A whole 0-based line as an LSP range (for messages that have no span). */
export function lineRange(document: TextDocument, line: number): Range {
  const start = document.offsetAt({ line, character: 0 });
  const next = line + 1 < document.lineCount ? document.offsetAt({ line: line + 1, character: 0 }) : document.getText().length;
  const text = document.getText().slice(start, next).replace(/\r?\n$/, '');
  return { start: { line, character: 0 }, end: { line, character: text.length } };
}

/** A core edit of `document`'s text as an LSP edit. */
export function toTextEdit(document: TextDocument, edit: CoreTextEdit): TextEdit {
  return { range: spanToRange(document, { start: edit.start, end: edit.end }), newText: edit.newText };
}

/** A finding as a diagnostic, or undefined when the settings turn its code off. */
export function toDiagnostic(
  document: TextDocument,
  uri: string,
  finding: Finding,
  kernel: KernelVerdict,
  override: SeverityOverride | undefined,
): Diagnostic | undefined {
  if (override === 'off') return undefined;
  const related: DiagnosticRelatedInformation[] = finding.related.map((location) => ({
    location: { uri, range: spanToRange(document, location.span) },
    message: location.message,
  }));
  const data: DiagnosticData = {
    code: finding.code,
    function: finding.function,
    line: finding.line,
    kind: finding.kind,
    offset: finding.offset,
    size: finding.size,
    kernel: kernel.kernel,
  };
  const diagnostic: Diagnostic = {
    range: spanToRange(document, finding.span),
    severity: toSeverity(override ?? finding.severity),
    source: diagnosticSource,
    code: finding.code,
    codeDescription: { href: findingDocUrl(finding.code) },
    message: finding.message,
    data,
  };
  if (related.length > 0) diagnostic.relatedInformation = related;
  return diagnostic;
}

/** A core or settings severity as an LSP severity. */
export function toSeverity(severity: Severity | SeverityOverride): DiagnosticSeverity {
  switch (severity) {
    case 'error':
      return DiagnosticSeverity.Error;
    case 'warning':
      return DiagnosticSeverity.Warning;
    case 'hint':
      return DiagnosticSeverity.Hint;
    default:
      return DiagnosticSeverity.Information;
  }
}

/** The frame at one instruction as Markdown: a heading, a table from the highest address down, and the interrupt window. */
export function frameLayoutMarkdown(layout: FrameLayout): string {
  const lines: string[] = [];
  lines.push(`**Stack frame of \`${escapeMarkdown(layout.function)}\`** at \`${escapeCode(layout.instruction)}\``);
  lines.push('');
  if (layout.unknownReason !== undefined || layout.rspFromEntry === undefined) {
    lines.push(`The stack pointer is unknown here: ${layout.unknownReason ?? 'the analysis lost track of it'}.`);
    return lines.join('\n');
  }
  const facts = [`RSP = entry RSP ${signed(layout.rspFromEntry)}`];
  if (layout.rbpFromRsp !== undefined) facts.push(`RBP = RSP ${signed(layout.rbpFromRsp)}`);
  facts.push(`red zone ${layout.redZoneSize} B`);
  lines.push(facts.join(' · '));
  lines.push('');
  if (layout.rows.length > 0) {
    lines.push('| bytes (from RSP) | size | contents | written at | read at |');
    lines.push('|---|---:|---|---|---|');
    for (const row of layout.rows) lines.push(rowMarkdown(row));
    lines.push('');
  }
  const frame = layout.interruptFrame;
  const verb = layout.kernel.kernel ? 'An interrupt here would overwrite' : 'In kernel code an interrupt here would overwrite';
  lines.push(`${verb} [RSP${signed(frame.from)}, RSP${frame.to === 0 ? '' : signed(frame.to)}).`);
  return lines.join('\n');
}

/**
 * The hover text of a finding: what it is, why kernel code cannot rely on those bytes, and why
 * this file counts as kernel code (so a wrong guess is visible and easy to override).
 */
export function findingMarkdown(finding: Finding, kernel: KernelVerdict, interruptFrame: FrameLayout['interruptFrame'] | undefined): string {
  const info = findingInfo(finding.code);
  const lines = [`**${finding.code}**: ${finding.message}`, ''];
  if (finding.offset !== undefined && finding.size !== undefined) {
    const to = finding.offset + finding.size;
    lines.push(`This ${finding.kind ?? 'access'} touches [RSP${signed(finding.offset)}, RSP${to === 0 ? '' : signed(to)}).`, '');
  }
  if (finding.code === 'red-zone-store' || finding.code === 'red-zone-load') {
    const window = interruptFrame ?? { from: -56, to: 0 };
    lines.push(
      `Kernel code cannot rely on bytes below RSP: an interrupt or exception on the same stack aligns RSP to 16 bytes and pushes ` +
        `SS, RSP, RFLAGS, CS, RIP and an error code, writing [RSP${signed(window.from)}, RSP) before any handler runs, ` +
        'and the handler may then run C code on the same stack.',
    );
  } else if (info !== undefined) {
    lines.push(info.summary);
  }
  lines.push('');
  lines.push(`${kernel.kernel ? 'This file counts as kernel code' : 'This file counts as user code'}: ${kernel.reason}`);
  lines.push('');
  lines.push(`[Documentation of ${finding.code}](${findingDocUrl(finding.code)})`);
  return lines.join('\n');
}

function rowMarkdown(row: FrameRow): string {
  const size = row.to - row.from;
  const range = `[${signed(row.from)}, ${signed(row.to)})`;
  const label = row.kind === 'red-zone' ? `**${escapeMarkdown(row.label)}**` : escapeMarkdown(row.label);
  return `| ${range} | ${size} | ${label} | ${lineList(row.writtenAt)} | ${lineList(row.readAt)} |`;
}

/** 0-based lines as a short 1-based list. */
function lineList(lines: readonly number[]): string {
  if (lines.length === 0) return '';
  const shown = lines.slice(0, 4).map((line) => `${line + 1}`);
  return `line${lines.length > 1 ? 's' : ''} ${shown.join(', ')}${lines.length > 4 ? ', …' : ''}`;
}

/** `-24` as "−24", `8` as "+8": offsets always carry their sign. */
function signed(value: number): string {
  return value < 0 ? `-${-value}` : `+${value}`;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_|<>[\]]/g, (ch) => `\\${ch}`);
}

function escapeCode(text: string): string {
  return text.replace(/`/g, "'").replace(/\|/g, '\\|');
}
