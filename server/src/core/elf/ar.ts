/**
 * Reader for `ar` archives (static libraries, `.a`): the GNU/System V form with its `/` symbol
 * table, `//` long-name table, `/123` name references and `name/` terminators, and the BSD form
 * with `#1/NN` names stored in front of the member data.
 *
 * Members are returned as views into the archive (no copies), to be analyzed one at a time.
 * Never throws; a damaged member header ends the walk with a problem, keeping the members before it.
 */
import { decodeText, failure, type ReadResult } from './bytes';

/** One archive member. */
export interface ArMember {
  /** The member's file name, e.g. `printf.o`. */
  readonly name: string;
  /** The member's contents (a view into the archive). */
  readonly data: Uint8Array;
  /** Offset of the member's header within the archive, for messages. */
  readonly headerOffset: number;
}

const MAGIC = '!<arch>\n';
const THIN_MAGIC = '!<thin>\n';
const HEADER_SIZE = 60;

/** True when `bytes` start with the `ar` magic `!<arch>\n`. */
export function isArchive(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && ascii(bytes, 0, 8) === MAGIC;
}

/**
 * Lists the members of an archive, skipping the symbol tables (`/`, `/SYM64/`, `__.SYMDEF`) and the
 * long-name table. Never throws.
 */
export function readArchive(bytes: Uint8Array): ReadResult<ArMember[]> {
  try {
    return readArchiveUnchecked(bytes);
  } catch (error) {
    return failure(`internal error while reading ar archive: ${String(error)}`);
  }
}

function readArchiveUnchecked(bytes: Uint8Array): ReadResult<ArMember[]> {
  if (bytes.length >= 8 && ascii(bytes, 0, 8) === THIN_MAGIC) return failure('thin archives (!<thin>) refer to files outside the archive and are not supported');
  if (!isArchive(bytes)) return failure('not an ar archive (bad magic)');
  const problems: string[] = [];
  const members: ArMember[] = [];
  let longNames: Uint8Array | undefined;
  let pos = 8;
  // Each iteration advances by at least one header, so the loop is bounded by the file size.
  while (pos < bytes.length) {
    // A lone newline can pad the end of an archive.
    if (bytes.length - pos < HEADER_SIZE) {
      if (bytes.subarray(pos).some((b) => b !== 0x0a)) problems.push(`trailing ${bytes.length - pos} bytes after the last member are not a member header`);
      break;
    }
    const headerOffset = pos;
    const rawName = ascii(bytes, pos, 16);
    const sizeText = ascii(bytes, pos + 48, 10).trim();
    const fmag = ascii(bytes, pos + 58, 2);
    if (fmag !== '`\n') {
      problems.push(`member header at offset ${pos} is damaged (bad terminator); stopping`);
      break;
    }
    if (!/^\d+$/.test(sizeText)) {
      problems.push(`member header at offset ${pos} has an invalid size "${sizeText}"; stopping`);
      break;
    }
    const size = Number(sizeText);
    const dataStart = pos + HEADER_SIZE;
    if (size > bytes.length - dataStart) {
      problems.push(`member at offset ${pos} claims ${size} bytes but only ${bytes.length - dataStart} remain; stopping`);
      break;
    }
    let data = bytes.subarray(dataStart, dataStart + size);
    pos = dataStart + size + (size % 2); // members are 2-byte aligned
    const trimmed = rawName.trimEnd();

    if (trimmed === '/' || trimmed === '/SYM64/' || trimmed.startsWith('__.SYMDEF')) continue;
    if (trimmed === '//') {
      longNames = data;
      continue;
    }
    let name: string;
    if (trimmed.startsWith('#1/')) {
      // BSD: the name's length follows "#1/" and the name occupies the first bytes of the data.
      const nameLength = Number(trimmed.slice(3));
      if (!Number.isSafeInteger(nameLength) || nameLength < 0 || nameLength > data.length) {
        problems.push(`member at offset ${headerOffset} has an invalid BSD name length "${trimmed}"; skipped`);
        continue;
      }
      name = decodeText(data.subarray(0, nameLength)).replace(/\0+$/, '');
      data = data.subarray(nameLength);
      if (name.startsWith('__.SYMDEF')) continue;
    } else if (/^\/\d+$/.test(trimmed)) {
      const offset = Number(trimmed.slice(1));
      const resolved = longNames ? longName(longNames, offset) : undefined;
      if (resolved === undefined) {
        problems.push(`member at offset ${headerOffset} refers to long name ${offset}, which is not in the name table`);
        name = trimmed;
      } else name = resolved;
    } else {
      name = trimmed.endsWith('/') ? trimmed.slice(0, -1) : trimmed;
    }
    members.push({ name, data, headerOffset });
  }
  return { value: members, problems };
}

/** A GNU long name: the entry at `offset` runs to "/\n" (or "\n", or the table's end). */
function longName(table: Uint8Array, offset: number): string | undefined {
  if (offset >= table.length) return undefined;
  let end = table.indexOf(0x0a, offset);
  if (end < 0) end = table.length;
  let name = decodeText(table.subarray(offset, end));
  if (name.endsWith('/')) name = name.slice(0, -1);
  return name;
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  let out = '';
  for (let i = at; i < at + length && i < bytes.length; i++) out += String.fromCharCode(bytes[i]);
  return out;
}
