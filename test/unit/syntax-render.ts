/**
 * A compact, reviewable text form of parse results, one item per line, used by the data-driven
 * syntax tests: `14: insn mov/8 [rbp-8]:8, rax`.
 */
import type { AsmItem, Operand, ParsedAsm } from '../../server/src/core/ir';

/** Renders one operand: `rax`, `$42`, `$?`, `fs:[rbp+rax*8-8+sym]:8`, `->puts@0x1030`. */
export function renderOperand(op: Operand): string {
  switch (op.kind) {
    case 'reg':
      return op.reg;
    case 'imm':
      return op.value === undefined ? '$?' : `$${op.value}`;
    case 'target':
      return `->${op.name}${op.address === undefined ? '' : `@0x${op.address.toString(16)}`}`;
    case 'mem': {
      const parts: string[] = [];
      if (op.base !== undefined) parts.push(op.base);
      if (op.index !== undefined) parts.push(`${op.index}*${op.scale}`);
      let text = parts.join('+');
      if (op.disp !== 0 || parts.length === 0) text += op.disp < 0 ? `${op.disp}` : `${text.length > 0 ? '+' : ''}${op.disp}`;
      if (op.symbol !== undefined) text += `+<${op.symbol}>`;
      return `${op.segment === undefined ? '' : `${op.segment}:`}[${text}]${op.size === undefined ? '' : `:${op.size}`}`;
    }
  }
}

/** Renders one item, with its 1-based line. */
export function renderItem(item: AsmItem): string {
  const line = item.line + 1;
  switch (item.kind) {
    case 'insn': {
      const i = item.insn;
      const prefixes = i.prefixes.length > 0 ? `${i.prefixes.join(' ')} ` : '';
      const suffix = i.suffixSize === undefined ? '' : `/${i.suffixSize}`;
      const ops = i.operands.map(renderOperand).join(', ');
      const extra = `${i.unknown ? ' UNKNOWN' : ''}${i.address === undefined ? '' : ` @0x${i.address.toString(16)}`}${i.length === undefined ? '' : ` len=${i.length}`}`;
      return `${line}: insn ${prefixes}${i.mnemonic}${suffix}${ops.length > 0 ? ` ${ops}` : ''}${extra}`;
    }
    case 'label':
      return `${line}: label ${item.name}${item.address === undefined ? '' : ` @0x${item.address.toString(16)}`}`;
    case 'data':
      return `${line}: data/${item.width} ${item.values.join(' | ')}`;
    case 'file':
      return `${line}: file ${item.fileNumber} ${item.path}`;
    case 'loc':
      return `${line}: loc ${item.fileNumber} ${item.sourceLine}`;
    case 'source-line':
      return `${line}: source-line ${item.path}:${item.sourceLine}`;
    case 'bits':
      return `${line}: bits ${item.bits}`;
    case 'function-header':
      return `${line}: function-header ${item.name}${item.address === undefined ? '' : ` @0x${item.address.toString(16)}`}`;
    default:
      return `${line}: ${item.kind} ${item.name}`;
  }
}

/** Renders a whole parse: syntax, items, comments and problems. */
export function renderParse(parsed: ParsedAsm): string {
  const lines = [`syntax ${parsed.syntax}`];
  for (const item of parsed.items) lines.push(renderItem(item));
  for (const c of parsed.comments) lines.push(`${c.line + 1}: comment ${c.text}`);
  for (const p of parsed.problems) lines.push(`${p.line + 1}: problem ${p.message}`);
  return `${lines.join('\n')}\n`;
}
