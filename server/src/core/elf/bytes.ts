/**
 * Bounds-checked little-endian reading over a `Uint8Array`, shared by the ELF, ar and DWARF readers.
 *
 * Nothing here throws: a read past the end returns 0 (or an empty string) and sets `overrun`, so
 * callers can finish a loop iteration and then stop on the flag instead of wrapping every read in
 * a check. All readers of untrusted files should use this instead of `DataView` directly.
 */

/** The outcome of reading one structure from untrusted bytes: a value, or an error, plus warnings. */
export type ReadResult<T> =
  | { readonly value: T; readonly error?: undefined; readonly problems: readonly string[] }
  | { readonly value: undefined; readonly error: string; readonly problems: readonly string[] };

/** Builds a failed `ReadResult`. */
export function failure<T>(error: string, problems: readonly string[] = []): ReadResult<T> {
  return { value: undefined, error, problems };
}

/**
 * Converts an unsigned 64-bit value to a JavaScript number exactly where possible.
 * x86-64 addresses are canonical (sign-extended from bit 47), so values with the top bit set
 * (kernel addresses such as 0xffffffff81000000) are returned as negative numbers, which keeps them
 * exact; `formatAddress` prints them back as unsigned hexadecimal.
 */
export function u64ToNumber(value: bigint): number {
  if (value < 0x8000000000000000n) return Number(value);
  return Number(value - 0x10000000000000000n);
}

/** Prints an address as unsigned hexadecimal without a prefix, undoing `u64ToNumber`'s sign. */
export function formatAddress(address: number, bits: 32 | 64 = 64): string {
  if (!Number.isFinite(address)) return '?';
  const big = BigInt.asUintN(bits, BigInt(Math.trunc(address)));
  return big.toString(16);
}

/** A read position over a byte range `[start, end)` of a buffer. */
export class Cursor {
  private readonly view: DataView;
  /** The next byte to read. */
  pos: number;
  /** One past the last readable byte. */
  end: number;
  /** Set when any read went past `end`; the value returned by that read is 0. */
  overrun = false;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    end = bytes.length,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.end = Math.max(0, Math.min(end, bytes.length));
    this.pos = Math.max(0, Math.min(start, this.end));
  }

  /** Bytes left before `end`. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** True while reads are possible and none has overrun. */
  get ok(): boolean {
    return !this.overrun && this.pos < this.end;
  }

  private take(n: number): number {
    if (this.overrun || n > this.end - this.pos) {
      this.overrun = true;
      this.pos = this.end;
      return -1;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number {
    const at = this.take(1);
    return at < 0 ? 0 : this.view.getUint8(at);
  }
  i8(): number {
    const at = this.take(1);
    return at < 0 ? 0 : this.view.getInt8(at);
  }
  u16(): number {
    const at = this.take(2);
    return at < 0 ? 0 : this.view.getUint16(at, true);
  }
  i16(): number {
    const at = this.take(2);
    return at < 0 ? 0 : this.view.getInt16(at, true);
  }
  u32(): number {
    const at = this.take(4);
    return at < 0 ? 0 : this.view.getUint32(at, true);
  }
  i32(): number {
    const at = this.take(4);
    return at < 0 ? 0 : this.view.getInt32(at, true);
  }
  /** An unsigned 64-bit value as an exact bigint. */
  u64big(): bigint {
    const at = this.take(8);
    return at < 0 ? 0n : this.view.getBigUint64(at, true);
  }
  /** An unsigned 64-bit size or offset; values beyond 2^53 lose precision but stay huge. */
  u64(): number {
    return Number(this.u64big());
  }
  /** A signed 64-bit value (an addend). */
  i64(): number {
    const at = this.take(8);
    return at < 0 ? 0 : Number(this.view.getBigInt64(at, true));
  }
  /** A 64-bit address, exact for canonical x86-64 addresses (see `u64ToNumber`). */
  addr64(): number {
    return u64ToNumber(this.u64big());
  }
  /** An address or offset of `size` bytes (1, 2, 4 or 8). */
  sized(size: number): number {
    switch (size) {
      case 1:
        return this.u8();
      case 2:
        return this.u16();
      case 4:
        return this.u32();
      case 8:
        return this.addr64();
      default:
        this.overrun = true;
        return 0;
    }
  }

  /** Skips `n` bytes; overruns when fewer remain. */
  skip(n: number): void {
    if (!(n >= 0) || n > this.end - this.pos) {
      this.overrun = true;
      this.pos = this.end;
      return;
    }
    this.pos += n;
  }

  /** A view of the next `n` bytes (no copy); empty on overrun. */
  slice(n: number): Uint8Array {
    const at = this.take(n);
    return at < 0 ? new Uint8Array(0) : this.bytes.subarray(at, at + n);
  }

  /** Unsigned LEB128. Bytes beyond the tenth still advance but no longer change the value. */
  uleb(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      const at = this.take(1);
      if (at < 0) return 0;
      const byte = this.view.getUint8(at);
      if (i < 10) result += (byte & 0x7f) * scale;
      scale *= 128;
      if ((byte & 0x80) === 0) return result;
    }
  }

  /** Signed LEB128. */
  sleb(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      const at = this.take(1);
      if (at < 0) return 0;
      const byte = this.view.getUint8(at);
      if (i < 10) result += (byte & 0x7f) * scale;
      scale *= 128;
      if ((byte & 0x80) === 0) {
        if (byte & 0x40) result -= scale;
        return result;
      }
    }
  }

  /** A NUL-terminated string; an unterminated one runs to `end` and overruns. */
  cstr(): string {
    const start = this.pos;
    const nul = this.bytes.subarray(start, this.end).indexOf(0);
    if (nul < 0) {
      this.overrun = true;
      this.pos = this.end;
      return decodeText(this.bytes.subarray(start, this.end));
    }
    this.pos = start + nul + 1;
    return decodeText(this.bytes.subarray(start, start + nul));
  }
}

/**
 * Decodes UTF-8 leniently: invalid sequences become U+FFFD. Written by hand because the core is
 * compiled without DOM or Node types, so `TextDecoder` is not available to it.
 */
export function decodeText(bytes: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    let out = '';
    // `apply` reads the bytes as an array-like; a spread walked an iterator, one result object per
    // byte, which made symbol names a large share of what reading a module allocated.
    for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
    return out;
  }
  const codes: number[] = [];
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    const need = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (need < 0 || i + need >= bytes.length + (need === 0 ? 1 : 0)) {
      codes.push(0xfffd);
      i++;
      continue;
    }
    let code = need === 0 ? b : b & (0x3f >> need);
    let valid = true;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) {
        valid = false;
        break;
      }
      code = code * 64 + (c & 0x3f);
    }
    if (!valid || code > 0x10ffff || (code >= 0xd800 && code < 0xe000)) {
      codes.push(0xfffd);
      i++;
      continue;
    }
    codes.push(code);
    i += need + 1;
  }
  let out = '';
  for (let i = 0; i < codes.length; i += 8192) out += String.fromCodePoint(...codes.slice(i, i + 8192));
  return out;
}

/** Reads the NUL-terminated string at `offset` of `table`; '' when the offset is outside it. */
export function stringAt(table: Uint8Array, offset: number): string {
  if (!(offset >= 0) || offset >= table.length) return '';
  const nul = table.indexOf(0, offset);
  return decodeText(table.subarray(offset, nul < 0 ? table.length : nul));
}

/** True when `[offset, offset + size)` lies within a buffer of `length` bytes. */
export function inBounds(offset: number, size: number, length: number): boolean {
  return Number.isSafeInteger(offset) && Number.isSafeInteger(size) && offset >= 0 && size >= 0 && offset <= length && size <= length - offset;
}
