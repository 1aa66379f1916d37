/**
 * A small worker-thread pool for `--jobs N`. Each worker is a separate isolate, so each loads its
 * own capstone-wasm module (the module is a per-isolate singleton) and analyzes one input at a
 * time. The pool hands the next queued task to the first idle worker (and one more ahead of
 * time), and replaces a worker that crashes; the crashed task fails with a message instead of
 * taking the run down.
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

interface Pending {
  readonly id: number;
  readonly task: unknown;
  readonly resolve: (r: TaskResult<unknown>) => void;
}

interface Slot {
  readonly worker: Worker;
  /** Tasks sent to the worker, in the order it runs them: the first is running, the rest wait there. */
  readonly inFlight: Pending[];
}

/**
 * Tasks sent ahead to a busy worker, so that it starts the next one without waiting for the main
 * thread to see its result and answer (one message round trip per task otherwise).
 */
const DEPTH = 2;

/** The default `--jobs`: the number of processors Node reports as usable. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Runs tasks on a fixed number of worker threads, in the order they were queued. (Sending the
 * largest files first was measured on the 310-module benchmark: about 5% more CPU time and no
 * better balance, since the workers then meet the largest inputs before the JIT has warmed up.)
 */
export class WorkerPool<In, Out> {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  /** Producers waiting in `ready()`. */
  private readonly waiting: (() => void)[] = [];
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

  /**
   * Resolves when a task queued now would go to a worker at once (or the pool is closed). A
   * producer that prepares each task on the main thread awaits it before preparing the next one:
   * a worker's answer is a message, which the main thread only reads when it waits, so a producer
   * that never waits leaves every worker idle after its first tasks until all are queued (with
   * 4,023 kernel modules, `check` spent most of its run with idle workers that way).
   */
  ready(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Runs every task, at most `size` at a time, and returns the results in input order. */
  runAll(tasks: readonly In[]): Promise<TaskResult<Out>[]> {
    return Promise.all(tasks.map((task) => this.run(task)));
  }

  /** Stops every worker; queued tasks fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake();
    for (const q of this.queue.splice(0)) q.resolve({ ok: false, error: 'the worker pool was closed' });
    for (const slot of this.slots) for (const p of slot.inFlight.splice(0)) p.resolve({ ok: false, error: 'the worker pool was closed' });
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(this.options.script, { workerData: this.options.workerData });
    const slot: Slot = { worker, inFlight: [] };
    worker.on('message', (message: Message) => {
      const index = slot.inFlight.findIndex((p) => p.id === message.id);
      if (index < 0) return;
      const [done] = slot.inFlight.splice(index, 1);
      done!.resolve(message.ok ? { ok: true, value: message.value } : { ok: false, error: message.error });
      this.dispatch();
    });
    // A crash fails the task that was running and replaces the worker, so one bad input cannot
    // stall the run; the tasks that were waiting in that worker go back to the queue.
    const crashed = (why: string) => {
      const index = this.slots.indexOf(slot);
      if (index < 0) return; // already replaced ('error' is followed by 'exit')
      const [running, ...waiting] = slot.inFlight.splice(0);
      running?.resolve({ ok: false, error: `the worker crashed: ${why}` });
      this.queue.unshift(...waiting);
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
    // Fill every worker to one task first, then send the next ones ahead, so that no worker idles
    // while another holds two.
    for (let depth = 1; depth <= DEPTH; depth++) {
      for (const slot of this.slots) {
        if (this.queue.length === 0 || this.closed) break;
        if (slot.inFlight.length >= depth) continue;
        const next = this.queue.shift()!;
        slot.inFlight.push(next);
        slot.worker.ref();
        slot.worker.postMessage({ id: next.id, task: next.task });
      }
    }
    // With nothing in flight the workers may be unreferenced again.
    for (const s of this.slots) if (s.inFlight.length === 0) s.worker.unref();
    if (this.waiting.length > 0 && this.hasRoom()) for (const wake of this.waiting.splice(0)) wake();
  }

  private hasRoom(): boolean {
    return this.closed || (this.queue.length === 0 && this.slots.some((slot) => slot.inFlight.length < DEPTH));
  }
}

/**
 * The worker side: answers each task with `handler`'s result or its error message. The pool sends
 * a task ahead while another runs; they are run one after the other, in the order they came, so
 * the handler may keep per-worker state (a capstone instance) and the pool knows which one runs.
 */
export function serveTasks<In, Out>(handler: (task: In) => Out | Promise<Out>): void {
  if (isMainThread || !parentPort) throw new Error('serveTasks must be called inside a worker thread');
  const port = parentPort;
  let previous: Promise<void> = Promise.resolve();
  const answer = async (message: { id: number; task: In }): Promise<void> => {
    let reply: Message;
    try {
      reply = { id: message.id, ok: true, value: await handler(message.task) };
    } catch (error) {
      reply = { id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  };
  port.on('message', (message: { id: number; task: In }) => {
    previous = previous.then(() => answer(message));
  });
}
