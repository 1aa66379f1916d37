/**
 * Object analysis on worker threads for `check --jobs N`: each worker loads its own capstone (the
 * wasm module is a per-isolate singleton) and analyzes one file at a time, reading the file itself
 * so that only the path and the plain-data results cross the thread boundary.
 *
 * The worker's entry script is `dist/objects-worker.js` (`objects-worker.ts`), built by esbuild.mjs
 * beside the CLI and server bundles.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeObjectPath, type ObjectFileAnalysis, type ObjectFileOptions } from './objects';
import { WorkerPool } from './workers';

/** One file for a worker: the path to report and the absolute path to read. */
export interface ObjectTask {
  readonly path: string;
  readonly absolute: string;
  readonly options: ObjectFileOptions;
  /** What is read of the file at most (of an ELF file, the sections its analysis reads), as on the main thread. */
  readonly maxBytes: number;
}

/** Where the worker script is: beside the running bundle, or in the repository's dist/. */
export function objectWorkerScript(): string | undefined {
  const candidates = [join(__dirname, 'objects-worker.js'), join(__dirname, '..', 'dist', 'objects-worker.js'), join(process.cwd(), 'dist', 'objects-worker.js')];
  return candidates.find((candidate) => existsSync(candidate));
}

/** Analyzes one task; also the worker's handler. Never throws. */
export function runObjectTask(task: ObjectTask): Promise<ObjectFileAnalysis> {
  return analyzeObjectPath(task.path, task.absolute, task.options, task.maxBytes);
}

/** A pool of object-analysis workers. */
export class ObjectPool {
  private readonly pool: WorkerPool<ObjectTask, ObjectFileAnalysis>;

  constructor(script: string, size: number) {
    this.pool = new WorkerPool({ script, size });
  }

  /** Analyzes one file on the first idle worker; a crashed worker becomes a per-file error. */
  async analyze(task: ObjectTask): Promise<ObjectFileAnalysis> {
    const result = await this.pool.run(task);
    return result.ok ? result.value : { input: 'unknown', units: [], error: `internal error while analyzing: ${result.error}` };
  }

  /** Resolves when a worker can take the next file at once (`WorkerPool.ready`). */
  ready(): Promise<void> {
    return this.pool.ready();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
