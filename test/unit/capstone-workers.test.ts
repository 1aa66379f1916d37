/**
 * The worker pool with one capstone module per worker: this bundle is both the test (main thread)
 * and the worker script (worker threads serve disassembly tasks).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMainThread } from 'node:worker_threads';
import { createCapstoneDisassembler, type CapstoneDisassembler } from '../../server/src/host/capstone';
import { defaultJobs, serveTasks, WorkerPool } from '../../server/src/host/workers';

type Task = { readonly bytes: number[]; readonly crash?: boolean; readonly fail?: boolean; readonly waitMs?: number };

if (!isMainThread) {
  let capstone: Promise<CapstoneDisassembler> | undefined;
  serveTasks(async (task: Task) => {
    if (task.crash) process.exit(3);
    if (task.fail) throw new Error('deliberate failure');
    if (task.waitMs !== undefined) await new Promise((resolve) => setTimeout(resolve, task.waitMs));
    capstone ??= createCapstoneDisassembler();
    const d = await capstone;
    return d.disassemble(Uint8Array.from(task.bytes), 0, 64).map((i) => `${i.mnemonic} ${i.opStr}`.trim());
  });
} else {
  test('tasks run on a pool of workers, each with its own capstone, results in order', async () => {
    assert.ok(defaultJobs() >= 1);
    const pool = new WorkerPool<Task, string[]>({ script: __filename, size: 3 });
    try {
      const tasks: Task[] = Array.from({ length: 12 }, (_, i) => ({ bytes: [0x48, 0x89, 0x44, 0x24, 0x100 - 8 * (i + 1)] }));
      const results = await pool.runAll(tasks);
      assert.deepEqual(
        results,
        // Capstone prints displacements below 10 in decimal and the rest in hex.
        tasks.map((_, i) => ({ ok: true, value: [`mov qword ptr [rsp - ${i === 0 ? '8' : `0x${(8 * (i + 1)).toString(16)}`}], rax`] })),
      );
    } finally {
      await pool.close();
    }
  });

  test('a failing task and a crashing worker fail alone; the pool keeps working', async () => {
    const pool = new WorkerPool<Task, string[]>({ script: __filename, size: 2 });
    try {
      const [failed, crashed, fine] = await Promise.all([pool.run({ bytes: [], fail: true }), pool.run({ bytes: [], crash: true }), pool.run({ bytes: [0xc3] })]);
      assert.deepEqual(failed, { ok: false, error: 'deliberate failure' });
      assert.equal(crashed.ok, false);
      assert.match(crashed.ok ? '' : crashed.error, /crashed/);
      assert.deepEqual(fine, { ok: true, value: ['ret'] });
      assert.deepEqual(await pool.runAll([{ bytes: [0x90] }, { bytes: [0x55] }, { bytes: [0xc3] }]), [
        { ok: true, value: ['nop'] },
        { ok: true, value: ['push rbp'] },
        { ok: true, value: ['ret'] },
      ]);
    } finally {
      await pool.close();
    }
  });

  test('ready() waits while every worker has its tasks, and resolves when one finishes', async () => {
    const pool = new WorkerPool<Task, string[]>({ script: __filename, size: 1 });
    try {
      await pool.ready(); // an idle pool has room
      const done: string[] = [];
      // One worker holds two tasks (one running, one sent ahead): the pool has no room until one ends.
      const first = pool.run({ bytes: [0x90], waitMs: 200 }).then(() => done.push('first task'));
      const second = pool.run({ bytes: [0x90], waitMs: 200 });
      await pool.ready().then(() => done.push('ready'));
      assert.deepEqual(done, ['first task', 'ready']);
      await Promise.all([first, second]);
      pool.run({ bytes: [0x90], waitMs: 10_000 });
      pool.run({ bytes: [0x90], waitMs: 10_000 });
      const waiting = pool.ready();
      await pool.close();
      await waiting; // a closed pool wakes its waiting producers
    } finally {
      await pool.close();
    }
  });

  test('a task sent ahead to a worker that then crashes runs again on its replacement', async () => {
    // One worker gets both tasks at once (the second waits in the worker while the first runs).
    const pool = new WorkerPool<Task, string[]>({ script: __filename, size: 1 });
    try {
      const [crashed, fine] = await Promise.all([pool.run({ bytes: [], crash: true }), pool.run({ bytes: [0x55] })]);
      assert.equal(crashed.ok, false);
      assert.deepEqual(fine, { ok: true, value: ['push rbp'] });
    } finally {
      await pool.close();
    }
  });
}
