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

/**
 * The longest member name read, in bytes. Real names are short (a BSD `#1/NN` name is a file name);
 * a damaged length field made the name run into the member's ELF header, which was then printed.
 */
export const maxMemberNameBytes = 1024;
/** Characters of a member name shown before it is cut. */
const shownNameChars = 200;

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
      problems.push(`member header at offset ${pos} has an invalid size "${memberName(bytes.subarray(pos + 48, pos + 58)).trim()}"; stopping`);
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
      if (!Number.isSafeInteger(nameLength) || nameLength < 0 || nameLength > data.length || nameLength > maxMemberNameBytes) {
        problems.push(`member at offset ${headerOffset} has an invalid BSD name length "${memberName(bytes.subarray(headerOffset, headerOffset + 16)).trimEnd()}"; skipped`);
        continue;
      }
      // BSD pads the name with NULs; a name that still holds one is damaged, and shown escaped.
      let end = nameLength;
      while (end > 0 && data[end - 1] === 0) end--;
      name = memberName(data.subarray(0, end));
      if (data.subarray(0, end).includes(0)) problems.push(`member at offset ${headerOffset} has a name with a NUL byte in it, ${name}: its name length "${memberName(bytes.subarray(headerOffset, headerOffset + 16)).trimEnd()}" is probably damaged`);
      data = data.subarray(nameLength);
      if (name.startsWith('__.SYMDEF')) continue;
    } else if (/^\/\d+$/.test(trimmed)) {
      const offset = Number(trimmed.slice(1));
      const resolved = longNames ? longName(longNames, offset) : undefined;
      if (resolved === undefined) {
        problems.push(`member at offset ${headerOffset} refers to long name ${offset}, which is not in the name table`);
        name = memberName(bytes.subarray(headerOffset, headerOffset + 16)).trimEnd();
      } else name = resolved;
    } else {
      const raw = bytes.subarray(headerOffset, headerOffset + 16);
      let end = 16;
      while (end > 0 && raw[end - 1] === 0x20) end--;
      if (end > 0 && raw[end - 1] === 0x2f) end--;
      name = memberName(raw.subarray(0, end));
    }
    members.push({ name, data, headerOffset });
  }
  return { value: members, problems };
}

/** A GNU long name: the entry at `offset` runs to "/\n" (or "\n", or the table's end), at most `maxMemberNameBytes`. */
function longName(table: Uint8Array, offset: number): string | undefined {
  if (offset >= table.length) return undefined;
  let end = table.indexOf(0x0a, offset);
  if (end < 0 || end - offset > maxMemberNameBytes) end = Math.min(table.length, offset + maxMemberNameBytes);
  if (end > offset && table[end - 1] === 0x2f) end--;
  return memberName(table.subarray(offset, end));
}

/**
 * A member name as it may be shown anywhere (a terminal, JSON, an editor): UTF-8 text with every
 * control character, DEL and byte that is not UTF-8 written as `\xNN` (a backslash as two), cut
 * after about 200 characters with a note of the full length in bytes. Names of well-formed archives
 * are unchanged.
 */
export function memberName(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length && out.length < shownNameChars) {
    const b = bytes[i]!;
    const length = b < 0x80 ? 1 : utf8Length(bytes, i);
    if (b >= 0x20 && b < 0x7f && b !== 0x5c) out += String.fromCharCode(b);
    else if (b === 0x5c) out += '\\\\';
    else if (length > 1) out += decodeText(bytes.subarray(i, i + length));
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
    i += Math.max(length, 1);
  }
  return i < bytes.length ? `${out}... (${bytes.length} bytes)` : out;
}

/** The length of the well-formed UTF-8 sequence of a printable character at `i`, or 1 for a byte to escape. */
function utf8Length(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!;
  const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 1;
  if (length === 1 || i + length > bytes.length) return 1;
  for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return 1;
  const code = decodeText(bytes.subarray(i, i + length)).codePointAt(0) ?? 0xfffd;
  // C1 controls (U+0080 to U+009F) and what TextDecoder rejects (overlong, surrogates) are escaped.
  return code === 0xfffd || (code >= 0x80 && code < 0xa0) ? 1 : length;
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  let out = '';
  for (let i = at; i < at + length && i < bytes.length; i++) out += String.fromCharCode(bytes[i]);
  return out;
}
