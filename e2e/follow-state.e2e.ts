// How the renderer follows a state its push events carry (src/renderer/follow.ts), without a browser:
// the renderer's code compiles without Node's types, so its plain logic is tested under this runner.
import { expect, test } from '@playwright/test';
import { followState, type StateEvents } from '../src/renderer/follow';

type Jobs = 'queued' | 'running' | 'done';

/** An event stream under the test's control, and the reads of the state, each answered when the test says. */
function harness() {
  const listeners = new Set<(state: Jobs) => void>();
  const openers = new Set<() => void>();
  const events: StateEvents<Jobs> = {
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onOpen(listener) {
      openers.add(listener);
      return () => openers.delete(listener);
    },
  };
  const reads: Array<{ resolve: (state: Jobs) => void; reject: (error: Error) => void }> = [];
  const shown: Jobs[] = [];
  const stop = followState(events, () => new Promise<Jobs>((resolve, reject) => reads.push({ resolve, reject })), (state) => shown.push(state));
  return {
    shown,
    reads,
    stop,
    send: (state: Jobs) => listeners.forEach((listener) => listener(state)),
    open: () => openers.forEach((listener) => listener()),
    listening: () => listeners.size + openers.size,
    /** Answers the `index`th read, and lets its answer be applied. */
    answer: async (index: number, state: Jobs) => {
      reads[index]!.resolve(state);
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
    /** Fails the `index`th read. */
    fail: async (index: number) => {
      reads[index]!.reject(new Error('connection lost'));
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
  };
}

test.describe('following a state its events carry whole', () => {
  test('reads it as it starts and again when the event stream opens: a run that ended before the stream listened is shown ended', async () => {
    const h = harness();
    expect(h.reads).toHaveLength(1);
    await h.answer(0, 'running');
    // The run ends now, before the stream listens: no event of it will come.
    h.open();
    expect(h.reads).toHaveLength(2);
    await h.answer(1, 'done');
    expect(h.shown).toEqual(['running', 'done']);
  });

  test('a stream that opens again (after a drop) brings another read', async () => {
    const h = harness();
    await h.answer(0, 'queued');
    h.open();
    await h.answer(1, 'running');
    h.open();
    await h.answer(2, 'done');
    expect(h.shown).toEqual(['queued', 'running', 'done']);
  });

  test('an answer that arrives after an event is dropped: it may be older than the event', async () => {
    const h = harness();
    // The service answered the read while the run went on, and the run's end came first by the stream.
    h.send('done');
    await h.answer(0, 'running');
    expect(h.shown).toEqual(['done']);
  });

  test('an answer that arrives after a newer read\'s is dropped', async () => {
    const h = harness();
    h.open();
    await h.answer(1, 'done');
    await h.answer(0, 'running');
    expect(h.shown).toEqual(['done']);
  });

  test('a newer read that fails does not keep out an older read\'s answer', async () => {
    const h = harness();
    h.open();
    await h.fail(1);
    await h.answer(0, 'running');
    expect(h.shown).toEqual(['running']);
  });

  test('a read asked after an event is applied: it is the newer', async () => {
    const h = harness();
    h.send('running');
    h.open();
    await h.answer(1, 'done');
    expect(h.shown).toEqual(['running', 'done']);
  });

  test('once stopped, it stops listening and applies no answer still to come', async () => {
    const h = harness();
    expect(h.listening()).toBe(2);
    h.stop();
    expect(h.listening()).toBe(0);
    await h.answer(0, 'done');
    expect(h.shown).toEqual([]);
  });
});
