// The object path's floor: what the analysis decoder (iced-x86) alone costs on the benchmark's
// modules, with the same worker pool, the same number of workers and the same decoding (16 KiB
// pieces, instructions stated in the IR's terms) as `check`, but no analysis and no output. Every
// object result of redzone-lint needs at least this, so the ratio of this run to `objdump -d` is
// the best ratio the object path can reach with its decoder; bench-objects.mjs prints it next to
// the real one.
//
// `buildDecodeFloor(root)` bundles the harness below (TypeScript, the repository's own modules)
// and returns its path; run it as `node HARNESS FILE...`. The
// harness prints the number of instructions it decoded, so a run that decoded nothing is visible.
import { join } from 'node:path';
import { bundleHarness } from './bundle-harness.mjs';

const harness = (wasmPath) => `
import { readFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { isArchive, isElf, readArchive, readElf } from './server/src/core/elf/index';
import { decodeUnit } from './server/src/core/objects/listing';
import { createObjectDecoders, type ObjectDecoders } from './server/src/host/decoders';
import { serveTasks, WorkerPool } from './server/src/host/workers';

let decoders: Promise<ObjectDecoders> | undefined;

/** Decodes every executable section of one ELF file the way check's walk does; returns the count. */
function decodeElf(bytes: Uint8Array, name: string, disassembler: ObjectDecoders): number {
  const read = readElf(bytes);
  if (read.value === undefined) return 0;
  let count = 0;
  for (const section of decodeUnit(read.value, name, disassembler).sections) for (const piece of section.decodedPieces!()) count += piece.length;
  return count;
}

async function decodeFile(path: string): Promise<number> {
  const disassembler = await (decoders ??= createObjectDecoders({ wasmPath: ${JSON.stringify(wasmPath)} }));
  const bytes = readFileSync(path);
  if (isArchive(bytes)) return (readArchive(bytes).value ?? []).reduce((sum, m) => sum + (isElf(m.data) ? decodeElf(m.data, m.name, disassembler) : 0), 0);
  return isElf(bytes) ? decodeElf(bytes, path, disassembler) : 0;
}

if (isMainThread) {
  const pool = new WorkerPool<string, number>({ script: __filename });
  pool.runAll(process.argv.slice(2)).then(async (results) => {
    let total = 0;
    for (const result of results) {
      if (!result.ok) throw new Error(result.error);
      total += result.value;
    }
    await pool.close();
    console.log(total);
  });
} else serveTasks(decodeFile);
`;

/** Bundles the harness; returns its path (run it as `node PATH FILE...`). */
export function buildDecodeFloor(root) {
  return bundleHarness(root, harness(join(root, 'dist', 'capstone.wasm')), 'decode-floor');
}
