/**
 * `redzone-lint layout FILE LINE`: the stack frame at one instruction as a plain-text table.
 * Pure (no Node), so the rows are exactly the core's `FrameLayout` facts the hover also draws;
 * this module only decides how they look on a terminal.
 *
 *     leaf at kernel-leaf.s:7: movl %edi, -20(%rbp)
 *     RSP = entry RSP - 8; RBP = RSP
 *       bytes               size  contents          written at  read at  interrupt
 *       [RSP+8, RSP+16)        8  return address
 *       [RSP, RSP+8)           8  saved %rbp        5
 *       ---- RSP, RBP ----
 *       [RSP-20, RSP-16)       4  red zone          7           9        overwritten
 *       ---- RSP-56: an interrupt frame reaches down to here ----
 */
import type { FrameLayout, FrameRow } from '../core/index';

/** `RSP`, `RSP+8`, `RSP-20`. */
export function rspOffset(offset: number): string {
  if (offset === 0) return 'RSP';
  return offset > 0 ? `RSP+${offset}` : `RSP${offset}`;
}

/** Renders the layout (with a trailing newline). `path` names the file in the heading. */
export function formatLayout(layout: FrameLayout, path: string): string {
  const out: string[] = [];
  // The instruction as written may hold tabs; one space keeps the heading on one readable line.
  out.push(`${layout.function} at ${path}:${layout.line + 1}: ${layout.instruction.replace(/\s+/g, ' ')}`);
  out.push(`${layout.kernel.kernel ? 'Kernel' : 'User'} code: ${layout.kernel.reason}`);
  if (layout.unknownReason !== undefined || layout.rspFromEntry === undefined) {
    out.push(`The stack pointer is unknown here: ${layout.unknownReason ?? 'the analysis lost track of it'}`);
    out.push(...findingLines(layout));
    return `${out.join('\n')}\n`;
  }
  const entry = layout.rspFromEntry === 0 ? 'entry RSP' : `entry RSP ${layout.rspFromEntry < 0 ? '-' : '+'} ${Math.abs(layout.rspFromEntry)}`;
  const rbp = layout.rbpFromRsp === undefined ? 'RBP holds no stack address' : `RBP = ${rspOffset(layout.rbpFromRsp)}`;
  out.push(`RSP = ${entry}; ${rbp}`);
  out.push(
    `Red zone of the ABI: ${layout.redZoneSize} bytes. An interrupt on this stack may overwrite ` +
      `[${rspOffset(layout.interruptFrame.from)}, ${rspOffset(layout.interruptFrame.to)}).`,
  );
  out.push('');
  out.push(...table(layout));
  const findings = findingLines(layout);
  if (findings.length > 0) out.push('', ...findings);
  return `${out.join('\n')}\n`;
}

interface Marker {
  readonly offset: number;
  readonly text: string;
}

function markers(layout: FrameLayout): Marker[] {
  const list: Marker[] = [];
  if (layout.rbpFromRsp === 0) list.push({ offset: 0, text: 'RSP, RBP' });
  else {
    list.push({ offset: 0, text: 'RSP' });
    if (layout.rbpFromRsp !== undefined) list.push({ offset: layout.rbpFromRsp, text: 'RBP' });
  }
  list.push({ offset: layout.interruptFrame.from, text: `${rspOffset(layout.interruptFrame.from)}: an interrupt frame reaches down to here` });
  return list.sort((a, b) => b.offset - a.offset);
}

function table(layout: FrameLayout): string[] {
  const header = ['bytes', 'size', 'contents', 'written at', 'read at', 'interrupt'];
  const cells = layout.rows.map((row) => rowCells(row, layout));
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((cell) => cell[i]!.length)));
  const render = (cell: readonly string[]) =>
    `  ${cell.map((text, i) => (i === 1 ? text.padStart(widths[i]!) : text.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  const lines = [render(header)];
  const pending = markers(layout);
  const flush = (above: number) => {
    // A marker goes above the first row that lies entirely below it.
    while (pending.length > 0 && pending[0]!.offset >= above) lines.push(`  ---- ${pending.shift()!.text} ----`);
  };
  layout.rows.forEach((row, i) => {
    flush(row.to);
    lines.push(render(cells[i]!));
  });
  flush(-Infinity);
  return lines;
}

function rowCells(row: FrameRow, layout: FrameLayout): string[] {
  const hit = row.from < layout.interruptFrame.to && row.to > layout.interruptFrame.from;
  return [
    `[${rspOffset(row.from)}, ${rspOffset(row.to)})`,
    String(row.to - row.from),
    row.label,
    lineList(row.writtenAt),
    lineList(row.readAt),
    hit ? 'overwritten' : '',
  ];
}

/** 1-based line numbers, the first few of them. */
function lineList(lines: readonly number[]): string {
  const shown = lines.slice(0, 4).map((line) => String(line + 1));
  return lines.length > 4 ? `${shown.join(', ')} +${lines.length - 4}` : shown.join(', ');
}

function findingLines(layout: FrameLayout): string[] {
  return layout.findings.map((finding) => `${finding.severity}: ${finding.message} [${finding.code}]`);
}
