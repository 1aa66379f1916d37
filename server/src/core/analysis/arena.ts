/**
 * Where one function's analysis takes its columns (`facts.ts`, the blocks of `flow.ts`): views of
 * two buffers that the next function's analysis reuses.
 *
 * A typed array of more than 64 bytes gets a buffer of its own outside the JavaScript heap, which
 * V8 allocates, tracks and frees far more slowly than an ordinary object: two dozen columns per
 * function cost more than the walk of a small function. A view of a shared buffer is an ordinary
 * small object. The arena grows by replacing its buffers; views taken before keep the buffer
 * they were cut from, so growing never moves a column in use.
 *
 * Columns are valid until the arena is reset, which `analyzeFlow` does when it starts a function.
 * One function's analysis runs to completion before the next starts (as the work meter in
 * `budget.ts` assumes too); `withArena` gives a nested analysis, should there ever be one, an arena
 * of its own instead of the shared one.
 */

/** Reusable buffers for the columns of one function's analysis. */
export class Arena {
  private ints: Int32Array;
  private intsUsed = 0;
  private floats: Float64Array;
  private floatsUsed = 0;

  constructor(ints = 1 << 14, floats = 1 << 12) {
    this.ints = new Int32Array(ints);
    this.floats = new Float64Array(floats);
  }

  /** Makes every column taken so far free for reuse. */
  reset(): void {
    this.intsUsed = 0;
    this.floatsUsed = 0;
  }

  /** A column of `length` integers, each `fill`. */
  int32(length: number, fill = 0): Int32Array {
    if (this.intsUsed + length > this.ints.length) {
      this.ints = new Int32Array(Math.max(2 * this.ints.length, length));
      this.intsUsed = 0;
    }
    const column = this.ints.subarray(this.intsUsed, this.intsUsed + length);
    this.intsUsed += length;
    column.fill(fill);
    return column;
  }

  /** A column of `length` numbers, each 0. */
  float64(length: number): Float64Array {
    if (this.floatsUsed + length > this.floats.length) {
      this.floats = new Float64Array(Math.max(2 * this.floats.length, length));
      this.floatsUsed = 0;
    }
    const column = this.floats.subarray(this.floatsUsed, this.floatsUsed + length);
    this.floatsUsed += length;
    column.fill(0);
    return column;
  }
}

const shared = new Arena();
let inUse = false;

/** Runs `analyze` with an arena reset for it: the shared one, or a fresh one when the shared one is in use. */
export function withArena<T>(analyze: (arena: Arena) => T): T {
  if (inUse) return analyze(new Arena());
  inUse = true;
  shared.reset();
  try {
    return analyze(shared);
  } finally {
    inUse = false;
  }
}
