/**
 * Analyzes one large assembly text on several threads. The text is cut into function chunks
 * (`planText`); each thread parses and builds a contiguous range of them, the main thread decides
 * the whole-file context from what each range found (kernel evidence, no-return functions), and
 * every thread then checks its range in that context. The report equals `analyzeText`'s: a test
 * compares them. Small texts, one job, or a missing worker script use `analyzeText` directly.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  analyzeText, type AnalysisOptions, type Report,
  assembleReport, buildPart, checkPart, decidePartContext, planText, summarizePart,
  type PartContext, type PartResult, type PartSummary, type TextPlan,
} from '../core/index';

/** Below this size a second thread costs more than it saves. */
export const parallelThreshold = 1 << 20;

/** What the main thread sends a text worker first. */
export interface TextTask {
  readonly text: string;
  readonly options: AnalysisOptions;
  readonly from: number;
  readonly to: number;
}

/** Messages from a text worker. */
export type TextWorkerMessage =
  | { readonly kind: 'summary'; readonly summary: PartSummary }
  | { readonly kind: 'result'; readonly result: PartResult }
  | { readonly kind: 'error'; readonly message: string };

/** The worker script beside the running bundle, if it was built. */
export function textWorkerScript(): string | undefined {
  const candidates = [join(__dirname, 'text-worker.js'), join(__dirname, '..', 'dist', 'text-worker.js'), join(process.cwd(), 'dist', 'text-worker.js')];
  return candidates.find((path) => existsSync(path));
}

/** Analyzes `text` with up to `jobs` threads; falls back to one thread on any worker failure. */
export async function analyzeTextParallel(text: string, options: AnalysisOptions, jobs: number): Promise<Report> {
  const script = textWorkerScript();
  if (jobs < 2 || text.length < parallelThreshold || script === undefined) return analyzeText(text, options);
  const plan = planText(text, options);
  const ranges = splitBySize(plan, Math.min(jobs, 8));
  if (ranges.length < 2) return analyzeText(text, options);
  const workers = ranges.slice(1).map(([from, to]) => startWorker(script, { text, options, from, to }));
  try {
    const local = buildPart(text, plan, ranges[0]![0], ranges[0]![1]);
    const localSummary = summarizePart(plan, local.from, local.entries);
    const remote = await Promise.all(workers.map((w) => w.next('summary')));
    const summaries = [localSummary, ...remote.map((m) => (m as { summary: PartSummary }).summary)];
    const context: PartContext = decidePartContext(text, options, plan, summaries);
    for (const w of workers) w.send(context);
    const localResult = checkPart(plan, local, context);
    const results = [localResult, ...(await Promise.all(workers.map((w) => w.next('result')))).map((m) => (m as { result: PartResult }).result)];
    return assembleReport(plan, context, results);
  } catch {
    // A worker that failed costs time, not the answer.
    return analyzeText(text, options);
  } finally {
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}

/** Cuts the chunks into up to `parts` contiguous ranges of about equal text size. */
function splitBySize(plan: TextPlan, parts: number): [number, number][] {
  const total = plan.chunks.reduce((sum, chunk) => sum + (chunk.end - chunk.offset), 0);
  const ranges: [number, number][] = [];
  let from = 0;
  let size = 0;
  plan.chunks.forEach((chunk, k) => {
    size += chunk.end - chunk.offset;
    if (size >= (total / parts) * (ranges.length + 1) && ranges.length < parts - 1) {
      ranges.push([from, k + 1]);
      from = k + 1;
    }
  });
  if (from < plan.chunks.length) ranges.push([from, plan.chunks.length]);
  return ranges;
}

interface TextWorker {
  readonly worker: Worker;
  next(kind: 'summary' | 'result'): Promise<TextWorkerMessage>;
  send(context: PartContext): void;
}

function startWorker(script: string, task: TextTask): TextWorker {
  const worker = new Worker(script, { workerData: task });
  const queue: TextWorkerMessage[] = [];
  const waiting: ((message: TextWorkerMessage | Error) => void)[] = [];
  const deliver = (message: TextWorkerMessage | Error): void => {
    const resolve = waiting.shift();
    if (resolve !== undefined) resolve(message);
    else if (!(message instanceof Error)) queue.push(message);
  };
  worker.on('message', (message: TextWorkerMessage) => deliver(message));
  worker.on('error', (error) => deliver(error));
  worker.on('exit', (code) => deliver(new Error(`text worker exited with code ${code}`)));
  return {
    worker,
    send: (context) => worker.postMessage(context),
    next: (kind) =>
      new Promise((resolve, reject) => {
        const take = (message: TextWorkerMessage | Error): void => {
          if (message instanceof Error) reject(message);
          else if (message.kind === 'error') reject(new Error(message.message));
          else if (message.kind !== kind) reject(new Error(`expected ${kind}, got ${message.kind}`));
          else resolve(message);
        };
        const queued = queue.shift();
        if (queued !== undefined) take(queued);
        else waiting.push(take);
      }),
  };
}
