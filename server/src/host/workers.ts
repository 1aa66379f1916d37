/**
 * A small worker-thread pool for `--jobs N`. Each worker is a separate isolate, so each loads its
 * own capstone-wasm module (the module is a per-isolate singleton) and analyzes one input at a
 * time. The pool hands a task to the first idle worker, keeps the rest queued, and replaces a
 * worker that crashes; the crashed task fails with a message instead of taking the run down.
 *
 * The worker side is `serveTasks(handler)`, called from the worker's entry script (which may be the
 * same bundle as the main thread, telling the two apart with `isMainThread`).
 */
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';

/** A task's outcome: a value, or the error message the worker reported. */
export type TaskResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Options for `WorkerPool`. */
export interface WorkerPoolOptions {
  /** The worker's entry script (a built `.js` file). */
  readonly script: string;
  /** Number of workers; defaults to `defaultJobs()`. */
  readonly size?: number;
  /** Passed to every worker as `workerData`. */
  readonly workerData?: unknown;
}

type Message = { readonly id: number } & TaskResult<unknown>;

interface Slot {
  readonly worker: Worker;
  /** The task in flight, if any. */
  current: { id: number; resolve: (r: TaskResult<unknown>) => void } | undefined;
}

/** The default `--jobs`: the number of processors Node reports as usable. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

/** Runs tasks on a fixed number of worker threads. */
export class WorkerPool<In, Out> {
  private readonly slots: Slot[] = [];
  private readonly queue: { id: number; task: In; resolve: (r: TaskResult<unknown>) => void }[] = [];
  private nextId = 0;
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions) {
    const size = Math.max(1, Math.floor(options.size ?? defaultJobs()));
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Runs one task; the promise never rejects (a failure is `{ ok: false }`). */
  run(task: In): Promise<TaskResult<Out>> {
    if (this.closed) return Promise.resolve({ ok: false, error: 'the worker pool is closed' });
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, task, resolve: resolve as (r: TaskResult<unknown>) => void });
      this.dispatch();
    });
  }

  /** Runs every task, at most `size` at a time, and returns the results in input order. */
  runAll(tasks: readonly In[]): Promise<TaskResult<Out>[]> {
    return Promise.all(tasks.map((task) => this.run(task)));
  }

  /** Stops every worker; queued tasks fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queue.splice(0)) q.resolve({ ok: false, error: 'the worker pool was closed' });
    for (const slot of this.slots) {
      slot.current?.resolve({ ok: false, error: 'the worker pool was closed' });
      slot.current = undefined;
    }
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(this.options.script, { workerData: this.options.workerData });
    const slot: Slot = { worker, current: undefined };
    worker.on('message', (message: Message) => {
      if (!slot.current || slot.current.id !== message.id) return;
      const { resolve } = slot.current;
      slot.current = undefined;
      resolve(message.ok ? { ok: true, value: message.value } : { ok: false, error: message.error });
      this.dispatch();
    });
    // A crash fails the task in flight and replaces the worker, so one bad input cannot stall the run.
    const crashed = (why: string) => {
      const index = this.slots.indexOf(slot);
      if (index < 0) return; // already replaced ('error' is followed by 'exit')
      const current = slot.current;
      slot.current = undefined;
      current?.resolve({ ok: false, error: `the worker crashed: ${why}` });
      if (this.closed) return;
      this.slots[index] = this.spawn();
      this.dispatch();
    };
    worker.on('error', (error) => crashed(String(error)));
    worker.on('exit', (code) => {
      if (!this.closed) crashed(`exit code ${code}`);
    });
    // Idle workers must not keep the process alive.
    worker.unref();
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.current) continue;
      const next = this.queue.shift()!;
      slot.current = { id: next.id, resolve: next.resolve };
      slot.worker.ref();
      slot.worker.postMessage({ id: next.id, task: next.task });
    }
    // With nothing in flight the workers may be unreferenced again.
    if (this.slots.every((s) => !s.current)) for (const s of this.slots) s.worker.unref();
  }
}

/**
 * The worker side: answers each task with `handler`'s result or its error message. Tasks arrive
 * one at a time per worker, so the handler may keep per-worker state (a capstone instance).
 */
export function serveTasks<In, Out>(handler: (task: In) => Out | Promise<Out>): void {
  if (isMainThread || !parentPort) throw new Error('serveTasks must be called inside a worker thread');
  const port = parentPort;
  port.on('message', async (message: { id: number; task: In }) => {
    let reply: Message;
    try {
      reply = { id: message.id, ok: true, value: await handler(message.task) };
    } catch (error) {
      reply = { id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  });
}
