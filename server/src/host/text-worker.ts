/**
 * Entry script of the text-analysis worker threads (`dist/text-worker.js`): builds its range of
 * chunks, reports what the whole-file context needs, and checks the range once the context arrives.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildPart, checkPart, planText, summarizePart, type PartContext } from '../core/index';
import type { TextTask, TextWorkerMessage } from './text-parallel';

const task = workerData as TextTask;
const post = (message: TextWorkerMessage): void => parentPort?.postMessage(message);
try {
  const plan = planText(task.text, task.options);
  const part = buildPart(task.text, plan, task.from, task.to);
  post({ kind: 'summary', summary: summarizePart(plan, part.from, part.entries) });
  parentPort?.once('message', (context: PartContext) => {
    try {
      post({ kind: 'result', result: checkPart(plan, part, context) });
    } catch (error) {
      post({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  });
} catch (error) {
  post({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
}
