/**
 * The work bound of one function's analysis.
 *
 * Every analysis must end in time and memory proportional to its input, whatever the input: a
 * function of tens of thousands of pushes, thousands of blocks that each move RSP inside loops, a
 * loop that grows the stack. The fixpoint already bounds how often a block is visited; what one
 * visit costs depends on the state (stack cells, red-zone ranges), so the places that walk or copy
 * state charge this meter, one unit per instruction stepped, per cell or range walked or copied.
 * Memory allocated is bounded by the same count, since every copy is charged.
 *
 * A function that exceeds its bound is not analyzed further: `analyzeFlow` catches the
 * `BoundReached` that `charge` throws, and the check reports `stack-unknown` with the reason.
 * The meter is module state, saved and restored around each function, because the analysis of
 * one function runs to completion before another starts.
 */

/** Units a function may spend per instruction, and in any case. */
export const unitsPerInstruction = 256;
export const minimumUnits = 1 << 23;

/** Thrown by `charge` when the function's bound is exceeded; caught by `analyzeFlow` only. */
export class BoundReached {
  constructor(readonly units: number) {}
}

let remaining = Number.POSITIVE_INFINITY;
let limit = Number.POSITIVE_INFINITY;

/** Spends `units` of the current function's bound; throws `BoundReached` past it. */
export function charge(units: number): void {
  remaining -= units;
  if (remaining < 0) throw new BoundReached(limit);
}

/** The bound of a function of `instructions` instructions. */
export function boundFor(instructions: number): number {
  return minimumUnits + unitsPerInstruction * instructions;
}

/** What the meter saw: functions metered, units spent, and the most units per instruction one function spent. */
export const meterStats = { functions: 0, units: 0, instructions: 0, mostPerInstruction: 0 };

/** Starts metering a function with `units`; returns what `endBudget` needs to restore the outer meter. */
export function startBudget(units: number): { readonly remaining: number; readonly limit: number } {
  const outer = { remaining, limit };
  remaining = units;
  limit = units;
  return outer;
}

/** Ends the meter of a function of `instructions` instructions, restoring the outer one; returns the units it spent. */
export function endBudget(outer: { readonly remaining: number; readonly limit: number }, instructions: number): number {
  const spent = limit - remaining;
  meterStats.functions++;
  meterStats.units += spent;
  meterStats.instructions += instructions;
  if (instructions > 0) meterStats.mostPerInstruction = Math.max(meterStats.mostPerInstruction, spent / instructions);
  remaining = outer.remaining;
  limit = outer.limit;
  return spent;
}
