// The Slack answer queue (src/surfaces/slack/answer-queue.ts): never runs a task in the caller's turn
// (the ack goes first), keeps at most `concurrency` running, starts them in arrival order, refuses past
// its bound at once (backpressure), takes work again once there is room, and stops taking work when
// closed while finishing what it holds. No timings (speed is in npm run bench -> slack-load).
import { describe, expect, it } from 'vitest';
import { AnswerQueue, answerQueueOptions } from '../../src/surfaces/slack/answer-queue.ts';

/** A task that records when it starts and finishes only when told to. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('AnswerQueue', () => {
  it('runs nothing synchronously, at most `concurrency` at once, in arrival order', async () => {
    const q = new AnswerQueue({ concurrency: 2, maxWaiting: 10 });
    const started: number[] = [];
    const gates = Array.from({ length: 5 }, gate);
    const admissions = gates.map((g, i) =>
      q.offer(async () => {
        started.push(i);
        await g.opened;
      }),
    );
    expect(started).toEqual([]); // nothing ran in this turn: the caller acks first
    expect(admissions.map((a) => (a.accepted ? a.ahead : -1))).toEqual([0, 1, 2, 3, 4]);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    expect(q.stats()).toMatchObject({ running: 2, waiting: 3 });
    gates[1]!.open();
    await until(() => started.length === 3);
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.open();
    await q.idle();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(q.stats()).toMatchObject({ running: 0, waiting: 0, done: 5, refused: 0, peakWaiting: 3 });
  });

  it('refuses past its bound at once, without running the refused task, and takes work again when there is room', async () => {
    const q = new AnswerQueue({ concurrency: 1, maxWaiting: 2 });
    const g = gate();
    let ran = 0;
    const task = async () => {
      ran++;
      await g.opened;
    };
    expect(q.offer(task).accepted).toBe(true); // runs (after this turn)
    expect(q.offer(task).accepted).toBe(true); // waits
    expect(q.offer(task).accepted).toBe(true); // waits: two waiting now
    const refused = q.offer(async () => {
      throw new Error('a refused task must never run');
    });
    expect(refused).toEqual({ accepted: false, waiting: 2 });
    expect(q.stats().refused).toBe(1);
    g.open();
    await q.idle();
    expect(ran).toBe(3);
    expect(q.offer(task)).toEqual({ accepted: true, ahead: 0 });
    await q.idle();
    expect(ran).toBe(4);
  });

  it('a task that throws is reported and does not stop the queue', async () => {
    const errors: unknown[] = [];
    const q = new AnswerQueue({ concurrency: 1, onError: (e) => errors.push(e) });
    const done: string[] = [];
    q.offer(async () => {
      throw new Error('boom');
    });
    q.offer(async () => void done.push('after'));
    await q.idle();
    expect(errors.map(String)).toEqual(['Error: boom']);
    expect(done).toEqual(['after']);
  });

  it('closed: refuses new questions, answers those it holds', async () => {
    const q = new AnswerQueue({ concurrency: 1 });
    const done: number[] = [];
    q.offer(async () => void done.push(1));
    q.offer(async () => void done.push(2));
    q.close();
    expect(q.offer(async () => void done.push(3)).accepted).toBe(false);
    await q.idle();
    expect(done).toEqual([1, 2]);
  });

  it('holds new answers while requests wait for their acks, and not for ever', async () => {
    let acking = true;
    const q = new AnswerQueue({ concurrency: 2, holdWhile: () => acking, maxHoldMs: 60_000 });
    const started: number[] = [];
    q.offer(async () => void started.push(1));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(started).toEqual([]); // still acking: held
    acking = false;
    await q.idle();
    expect(started).toEqual([1]);
    // a stream of requests that never ends cannot starve the answers: past maxHoldMs one starts anyway
    const starved = new AnswerQueue({ concurrency: 1, holdWhile: () => true, maxHoldMs: 5 });
    let ran = false;
    starved.offer(async () => void (ran = true));
    await starved.idle();
    expect(ran).toBe(true);
  });

  it('settings from the environment, with a clear error for nonsense', () => {
    expect(answerQueueOptions({})).toEqual({});
    expect(answerQueueOptions({ SLACK_ANSWER_CONCURRENCY: '8', SLACK_ANSWER_QUEUE: '500' })).toEqual({ concurrency: 8, maxWaiting: 500 });
    expect(() => answerQueueOptions({ SLACK_ANSWER_CONCURRENCY: '0' })).toThrow('SLACK_ANSWER_CONCURRENCY must be a whole number of at least 1, found "0"');
    expect(() => answerQueueOptions({ SLACK_ANSWER_QUEUE: 'lots' })).toThrow('SLACK_ANSWER_QUEUE must be a whole number of at least 1, found "lots"');
  });
});

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !ok(); i++) await new Promise((r) => setImmediate(r));
  expect(ok()).toBe(true);
}
