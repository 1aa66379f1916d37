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
  /**
   * Per slot, 0 when empty, else the entry's tag (its hash, or 1 for the hash 0): probing reads
   * only this dense array until a tag matches. Keys and values are interleaved in `entries`
   * (`[key, value, key, value, ...]`), so that a hit reads one more place in memory, not two.
   */
  private tags = new Int32Array(0);
  private entries: unknown[] = [];
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
    const tag = h === 0 ? 1 : h;
    let slot = tag & this.mask;
    for (;;) {
      const t = this.tags[slot];
      if (t === 0) return slot;
      if (t === tag) {
        const key = this.entries[2 * slot] as string;
        if (key.length === end - start && text.startsWith(key, start)) return slot;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  keyAt(slot: number): string | undefined {
    return this.entries[2 * slot] as string | undefined;
  }

  valueAt(slot: number): V | undefined {
    return this.entries[2 * slot + 1] as V | undefined;
  }

  /** Stores `key` (with hash `h`) and `value` in `slot`, an empty slot that `find` returned. */
  insert(slot: number, key: string, h: number, value: V): void {
    if (this.size >= this.limit) {
      this.reset(this.tags.length);
      slot = this.find(key, 0, key.length, h);
    } else if ((this.size + 1) * 2 > this.tags.length) {
      this.grow();
      slot = this.find(key, 0, key.length, h);
    }
    this.tags[slot] = h === 0 ? 1 : h;
    this.entries[2 * slot] = key;
    this.entries[2 * slot + 1] = value;
    this.size++;
  }

  private reset(capacity: number): void {
    this.tags = new Int32Array(capacity);
    this.entries = new Array<unknown>(2 * capacity).fill(undefined);
    this.mask = capacity - 1;
    this.size = 0;
  }

  private grow(): void {
    const tags = this.tags;
    const entries = this.entries;
    this.reset(tags.length * 2);
    for (let i = 0; i < tags.length; i++) {
      if (tags[i] === 0) continue;
      let slot = tags[i] & this.mask;
      while (this.tags[slot] !== 0) slot = (slot + 1) & this.mask;
      this.tags[slot] = tags[i];
      this.entries[2 * slot] = entries[2 * i];
      this.entries[2 * slot + 1] = entries[2 * i + 1];
      this.size++;
    }
  }
}
