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

/** The code of the diagnostic that says a document is binary content, by the rule the CLI applies too. */
export const binaryContentCode = 'binary-content';

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

/**
 * Diagnostics as editors show them. Every editor shows a diagnostic's message and its related
 * information as plain text; only hovers render Markdown. The analysis and the source messages write
 * names and instructions as Markdown code spans (`pushfq`), which hovers and the status bar's
 * Markdown tooltip show as code; a published diagnostic quotes them instead ('pushfq'), as
 * compilers quote names in their own diagnostics.
 */
export function asPlainText(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.map((diagnostic) => {
    const related = diagnostic.relatedInformation?.map((info) => ({ ...info, message: plainText(info.message) }));
    const message = typeof diagnostic.message === 'string' ? plainText(diagnostic.message) : diagnostic.message;
    return { ...diagnostic, message, ...(related === undefined ? {} : { relatedInformation: related }) };
  });
}

/** Markdown code spans of `text` as quoted plain text: `movl $42, -4(%rsp)` becomes 'movl $42, -4(%rsp)'. */
export function plainText(text: string): string {
  // A span's fence is one or more backticks, closed by a run of the same length (see inlineCode).
  return text.replace(/(?<!`)(`+) ?([^`]|[^`].*?[^`]) ?\1(?!`)/g, "'$2'");
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

/**
 * The hover at an instruction, in the order VS Code's hover (about 250 pixels high, under the
 * diagnostic's own message) can show without scrolling: one sentence, the frame table, then one
 * short paragraph with the interrupt window, why the file counts as kernel code and a link to
 * each finding's documentation, where the long explanation lives. The diagnostic's message is not
 * repeated: the editor shows it above the hover.
 */
export function hoverMarkdown(findings: readonly Finding[], layout: FrameLayout | undefined, kernel: KernelVerdict): string {
  const lines: string[] = [];
  const first = findings[0];
  if (first !== undefined) lines.push(findingSentence(first, layout), '');
  else if (layout !== undefined) lines.push(frameSentence(layout), '');
  if (layout !== undefined) lines.push(...frameBody(layout));
  const footer: string[] = [];
  if (layout !== undefined && layout.unknownReason === undefined && layout.rspFromEntry !== undefined) footer.push(interruptSentence(layout));
  if (first !== undefined) footer.push(`${kernel.kernel ? 'Kernel code' : 'User code'}: ${kernel.reason.replace(/\.$/, '')}.`);
  for (const code of new Set(findings.map((finding) => finding.code))) footer.push(`[Why \`${code}\` matters](${findingDocUrl(code)})`);
  if (footer.length > 0) lines.push(footer.join(' '));
  return lines.join('\n').trimEnd();
}

/** The frame at one instruction as Markdown (the "Show Stack Frame" view): a sentence, the table and the interrupt window. */
export function frameLayoutMarkdown(layout: FrameLayout): string {
  return hoverMarkdown([], layout, layout.kernel);
}

/** "**Stack frame of `f`** at `insn`: RSP = entry RSP -8, RBP = RSP, red zone 128 B." */
function frameSentence(layout: FrameLayout): string {
  const head = `**Stack frame of ${inlineCode(layout.function)}** at ${inlineCode(layout.instruction)}`;
  const facts = frameFacts(layout);
  return facts === undefined ? `${head}.` : `${head}: ${facts}.`;
}

/** "`red-zone-store`: this store touches [RSP-20, RSP-16) in the frame of `f` (RSP = entry RSP -8, RBP = RSP)." */
function findingSentence(finding: Finding, layout: FrameLayout | undefined): string {
  const what =
    finding.offset !== undefined && finding.size !== undefined
      ? `this ${finding.kind ?? 'access'} touches [RSP${signed(finding.offset)}, RSP${finding.offset + finding.size === 0 ? '' : signed(finding.offset + finding.size)})`
      : finding.code === 'stack-unknown'
        ? 'the analysis does not know the stack pointer here'
        : `this ${finding.kind ?? 'access'} is below the stack pointer`;
  const facts = layout === undefined ? undefined : frameFacts(layout);
  const frame = `in the frame of ${inlineCode(finding.function)}${facts === undefined ? '' : ` (${facts})`}`;
  return `**${finding.code}**: ${what} ${frame}.`;
}

/** "RSP = entry RSP -8, RBP = RSP, red zone 128 B", or undefined when the stack pointer is unknown. */
function frameFacts(layout: FrameLayout): string | undefined {
  if (layout.unknownReason !== undefined || layout.rspFromEntry === undefined) return undefined;
  const facts = [`RSP = entry RSP ${signed(layout.rspFromEntry)}`];
  if (layout.rbpFromRsp !== undefined) facts.push(layout.rbpFromRsp === 0 ? 'RBP = RSP' : `RBP = RSP ${signed(layout.rbpFromRsp)}`);
  facts.push(`red zone ${layout.redZoneSize} B`);
  return facts.join(', ');
}

/** The table, or why there is none. */
function frameBody(layout: FrameLayout): string[] {
  if (layout.unknownReason !== undefined || layout.rspFromEntry === undefined) {
    return [`The stack pointer is unknown here: ${layout.unknownReason ?? 'the analysis lost track of it'}.`, ''];
  }
  if (layout.rows.length === 0) return [];
  const lines = ['| bytes (from RSP) | size | contents | written at | read at |', '|---|---:|---|---|---|'];
  for (const row of layout.rows) lines.push(rowMarkdown(row));
  lines.push('');
  return lines;
}

function interruptSentence(layout: FrameLayout): string {
  const frame = layout.interruptFrame;
  const verb = layout.kernel.kernel ? 'An interrupt here would overwrite' : 'In kernel code an interrupt here would overwrite';
  return `${verb} [RSP${signed(frame.from)}, RSP${frame.to === 0 ? '' : signed(frame.to)}).`;
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
  // Row labels are plain words ("saved %rbx", "red zone"); only what a table cell or emphasis would take is escaped.
  return text.replace(/[\\`*|<>[\]]/g, (ch) => `\\${ch}`);
}

/**
 * Text as a Markdown code span. Nothing inside a code span is escaped (a backslash would show),
 * so the fence is one backtick longer than the longest run of backticks in the text, and runs of
 * blanks (an instruction's tab) become one space. Not for table cells, where `|` would end the cell.
 */
export function inlineCode(text: string): string {
  const plain = text.replace(/\s+/g, ' ').trim();
  const longest = Math.max(0, ...[...plain.matchAll(/`+/g)].map((run) => run[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = plain.startsWith('`') || plain.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${plain}${pad}${fence}`;
}
