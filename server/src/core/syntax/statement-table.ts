/**
 * A hash table from statement text to a parsed value, looked up by a range of the input text
 * and a hash computed while scanning that range, so that a repeated statement (`xorl %eax, %eax`,
 * `popq %rbx`, `ret`: about 70% of the instructions of a large `.s`) costs no string at all.
 *
 * Open addressing with linear probing over parallel arrays. The table is bounded: when it holds
 * `limit` entries it starts over empty, so a long-running language server keeps a fixed amount
 * of memory however many files it parses.
 */

/** The hash a scanner feeds each character into, starting from `HASH_SEED`. */
export const HASH_SEED = 0x811c9dc5 | 0;

/** FNV-1a step: mixes character code `c` into hash `h`. Hot loops write it out inline. */
export function hashStep(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}

/** The hash of `text[start, end)`, as a scanner computes it character by character. */
export function hashRange(text: string, start: number, end: number): number {
  let h = HASH_SEED;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

export class StatementTable<V> {
  private keys: (string | undefined)[] = [];
  private hashes = new Int32Array(0);
  private values: (V | undefined)[] = [];
  private mask = -1;
  private size = 0;

  /** `limit` is the most entries kept before the table starts over. */
  constructor(private readonly limit: number) {
    this.reset(1024);
  }

  /**
   * The slot of the entry whose key equals `text[start, end)` (with hash `h`), or the empty slot
   * where it belongs. Read it with `keyAt`/`valueAt`; `keyAt` is undefined for an empty slot.
   * Terminates because the table is never more than half full.
   */
  find(text: string, start: number, end: number, h: number): number {
    const length = end - start;
    let slot = h & this.mask;
    for (;;) {
      const key = this.keys[slot];
      if (key === undefined) return slot;
      if (this.hashes[slot] === h && key.length === length && text.startsWith(key, start)) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  keyAt(slot: number): string | undefined {
    return this.keys[slot];
  }

  valueAt(slot: number): V | undefined {
    return this.values[slot];
  }

  /** Stores `key` (with hash `h`) and `value` in `slot`, an empty slot that `find` returned. */
  insert(slot: number, key: string, h: number, value: V): void {
    if (this.size >= this.limit) {
      this.reset(this.keys.length);
      slot = this.find(key, 0, key.length, h);
    } else if ((this.size + 1) * 2 > this.keys.length) {
      this.grow();
      slot = this.find(key, 0, key.length, h);
    }
    this.keys[slot] = key;
    this.hashes[slot] = h;
    this.values[slot] = value;
    this.size++;
  }

  private reset(capacity: number): void {
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
    this.hashes = new Int32Array(capacity);
    this.values = new Array<V | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    this.size = 0;
  }

  private grow(): void {
    const keys = this.keys;
    const hashes = this.hashes;
    const values = this.values;
    this.reset(keys.length * 2);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key === undefined) continue;
      let slot = hashes[i] & this.mask;
      while (this.keys[slot] !== undefined) slot = (slot + 1) & this.mask;
      this.keys[slot] = key;
      this.hashes[slot] = hashes[i];
      this.values[slot] = values[i];
      this.size++;
    }
  }
}
