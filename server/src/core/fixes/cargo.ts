/**
 * Adds `-C no-redzone=y` to a Cargo configuration (`.cargo/config.toml` or `.cargo/config`).
 *
 * Cargo does not merge `build.rustflags` with `target.<triple>.rustflags`: the target table wins.
 * So the flag goes into every `rustflags` the file already sets under `[build]` or `[target.*]`,
 * and only when there is none into `[build]`.
 */
import { matchParen } from './calls';
import { appendLine, indentOf, newlineOf, splitLines, type TextEdit } from './edit';

const flagWords = '"-C", "no-redzone=y"';
const syntax = { quotes: '"\'' };

/** The edit that adds the flag, or undefined when the file already has it. */
export function addFlagToCargoConfig(text: string): TextEdit[] | undefined {
  const lines = splitLines(text);
  if (lines.some((line) => /no-redzone(?!\s*=\s*(n|no|off|false)\b)/.test(withoutComment(line.text)))) return undefined;
  const edits: TextEdit[] = [];
  let table = '';
  let buildHeader: number | undefined;
  for (const line of lines) {
    const header = /^\s*\[([^\[\]]+)\]\s*(#.*)?$/.exec(line.text);
    if (header !== null) {
      table = header[1].trim();
      if (table === 'build') buildHeader = line.end;
      continue;
    }
    const key = /^\s*((?:[\w-]+\.)*)rustflags\s*=\s*/.exec(line.text);
    if (key === null) continue;
    const fullTable = [table, key[1].replace(/\.$/, '')].filter((part) => part !== '').join('.');
    if (fullTable !== 'build' && !fullTable.startsWith('target.')) continue;
    const valueStart = line.start + key[0].length;
    const edit = appendToValue(text, valueStart);
    if (edit !== undefined) edits.push(edit);
  }
  if (edits.length > 0) return edits;
  const nl = newlineOf(text);
  if (buildHeader !== undefined) return [{ start: buildHeader, end: buildHeader, newText: `${nl}rustflags = [${flagWords}]` }];
  const separator = text.trim() === '' ? '' : nl;
  const append = appendLine(text, `${separator}[build]${nl}rustflags = [${flagWords}]`);
  return [append];
}

/** Adds the flag to an array (`["-C", "x"]`, one line or many) or a space-separated string value. */
function appendToValue(text: string, start: number): TextEdit | undefined {
  const quote = text[start];
  if (quote === '"' || quote === "'") {
    const close = text.indexOf(quote, start + 1);
    if (close === -1) return undefined;
    const empty = close === start + 1;
    return { start: close, end: close, newText: `${empty ? '' : ' '}-C no-redzone=y` };
  }
  if (text[start] !== '[') return undefined;
  const close = matchParen(text, start, syntax);
  if (close >= text.length) return undefined;
  const inner = text.slice(start + 1, close);
  if (inner.trim() === '') return { start: start + 1, end: close, newText: flagWords };
  let last = close - 1;
  while (last > start && /\s/.test(text[last])) last--;
  const trailingComma = text[last] === ',';
  if (!inner.includes('\n')) return { start: last + 1, end: last + 1, newText: `${trailingComma ? ' ' : ', '}${flagWords}` };
  const lineStart = text.lastIndexOf('\n', last) + 1;
  const indent = indentOf(text.slice(lineStart));
  const nl = newlineOf(text);
  return { start: last + 1, end: last + 1, newText: `${trailingComma ? '' : ','}${nl}${indent}${flagWords}${trailingComma ? ',' : ''}` };
}

function withoutComment(line: string): string {
  const hash = line.indexOf('#');
  return hash === -1 ? line : line.slice(0, hash);
}
