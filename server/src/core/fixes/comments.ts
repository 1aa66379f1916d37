/**
 * Fixes that edit the analyzed file itself: the magic comment that tags a file as kernel or user
 * code, and the `redzone-ignore` comment that suppresses the findings of one line.
 *
 * Each assembler has its own comment syntax, and a wrong one is not harmless: `;` separates
 * statements in GAS, and a `#` at the start of a line in a preprocessed `.S` file is a cpp
 * directive (`# redzone: user` there is "invalid preprocessing directive"), so `.S` files get
 * `/* ... *\/` comments.
 */
import { splitLines, newlineOf, type TextEdit } from './edit';

/** File extensions used for NASM, YASM and GAS sources alike; the text decides which comment to write. */
const nasmExtensions: ReadonlySet<string> = new Set(['asm', 'nasm', 'inc', 'yasm']);

/** `hash` is GAS (`#`), `semicolon` is NASM/YASM (`;`), `block` is a C-preprocessed `.S` file. */
export type CommentStyle = 'hash' | 'semicolon' | 'block';

/** What decides the comment syntax of a document. */
export interface CommentContext {
  readonly languageId?: string;
  /** The file name or path; only its extension is used. */
  readonly fileName: string;
  readonly text: string;
}

/** How far down the magic comment may be (the same limit the analysis uses). */
export const magicCommentLines = 30;

/** Chooses the comment syntax from the language id, then the extension, then the content. */
export function commentStyleFor(context: CommentContext): CommentStyle {
  const id = context.languageId ?? '';
  if (id === 'nasm' || id === 'nasm-x86') return 'semicolon';
  const extension = /\.([^./\\]+)$/.exec(context.fileName)?.[1] ?? '';
  // `.S` goes through the C preprocessor; C, C++ and Rust sources all read `/* */`.
  if (extension === 'S' || extension === 'sx' || ['c', 'h', 'cc', 'cpp', 'cxx', 'hpp', 'hh', 'rs'].includes(extension) || id === 'c' || id === 'cpp' || id === 'rust') return 'block';
  if (nasmExtensions.has(extension)) {
    return looksLikeGas(context.text) ? 'hash' : 'semicolon';
  }
  if (extension === 's' || id.startsWith('gas') || id === 'objdump-x86') return 'hash';
  return looksLikeNasm(context.text) ? 'semicolon' : 'hash';
}

/** The magic comment `redzone: kernel` or `redzone: user` in the given style. */
export function magicComment(style: CommentStyle, tag: 'kernel' | 'user'): string {
  return wrap(style, `redzone: ${tag}`);
}

/**
 * Tags the file: rewrites an existing magic comment in the first 30 lines, or inserts one as
 * line 1. Undefined when the file already carries this tag.
 */
export function tagFileEdit(text: string, style: CommentStyle, tag: 'kernel' | 'user'): TextEdit | undefined {
  const lines = splitLines(text).slice(0, magicCommentLines);
  for (const line of lines) {
    const match = /redzone:\s*(kernel|user)\b/.exec(line.text);
    if (match === null) continue;
    if (match[1] === tag) return undefined;
    const start = line.start + match.index + match[0].length - match[1].length;
    return { start, end: start + match[1].length, newText: tag };
  }
  return { start: 0, end: 0, newText: magicComment(style, tag) + newlineOf(text) };
}

/**
 * Suppresses the findings of one line (0-based): extends the line's trailing comment with
 * `redzone-ignore`, or appends a new comment. Undefined when the line is already suppressed.
 */
export function ignoreLineEdit(text: string, line: number, style: CommentStyle): TextEdit | undefined {
  const target = splitLines(text)[line];
  if (target === undefined || target.text.includes('redzone-ignore')) return undefined;
  const content = target.text.trimEnd();
  const end = target.start + content.length;
  if (trailingLineComment(content, style)) return { start: end, end, newText: ' redzone-ignore' };
  return { start: end, end, newText: `  ${wrap(style, 'redzone-ignore')}` };
}

function wrap(style: CommentStyle, body: string): string {
  switch (style) {
    case 'hash':
      return `# ${body}`;
    case 'semicolon':
      return `; ${body}`;
    case 'block':
      return `/* ${body} */`;
  }
}

/** True when the line ends inside a comment that runs to the end of the line. */
function trailingLineComment(line: string, style: CommentStyle): boolean {
  const marker = style === 'hash' ? '#' : style === 'semicolon' ? ';' : '//';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    if (!quoted && line.startsWith(marker, i)) return true;
  }
  return false;
}

function looksLikeNasm(text: string): boolean {
  return /^\s*(bits\s+(16|32|64)|section\s+\.\w+|global\s+\w+|default\s+rel)\b/im.test(text.slice(0, 20000));
}

function looksLikeGas(text: string): boolean {
  return /^\s*\.(text|globl|global|section|intel_syntax|type)\b/m.test(text.slice(0, 20000));
}
