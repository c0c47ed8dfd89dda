import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';

import { REPLAY_WINDOW_BITS, REPLAY_WINDOW_USABLE, ReplayWindow } from '../../src/transport/replay-window.js';

/** The reference: a set of every accepted counter and the highest. */
class ModelWindow {
  readonly seen = new Set<number>();
  top = -1;
  accept(n: number): boolean {
    if (n < 0 || !Number.isSafeInteger(n)) return false;
    if (n <= this.top && this.top - n >= REPLAY_WINDOW_USABLE) return false;
    if (this.seen.has(n)) return false;
    this.seen.add(n);
    this.top = Math.max(this.top, n);
    return true;
  }
}

const accept = (w: ReplayWindow, n: number): boolean => {
  if (!w.check(n)) return false;
  w.commit(n);
  return true;
};

describe('ReplayWindow', () => {
  test('in order: every counter once', () => {
    const w = new ReplayWindow();
    for (let n = 0; n < 5000; n++) assert.ok(accept(w, n), `counter ${n}`);
    for (const n of [0, 1, 2500, 4999]) assert.equal(accept(w, n), false, `replayed ${n}`);
  });

  test('reordered within the window: accepted once; older than the window: refused', () => {
    const w = new ReplayWindow();
    assert.ok(accept(w, 10_000));
    assert.ok(accept(w, 10_000 - REPLAY_WINDOW_USABLE + 1));
    assert.equal(accept(w, 10_000 - REPLAY_WINDOW_USABLE + 1), false);
    assert.equal(accept(w, 10_000 - REPLAY_WINDOW_USABLE), false);
    assert.ok(accept(w, 9_999));
  });

  test('regression (review): after sliding into a new word, counters one ring back are not accepted again', () => {
    const w = new ReplayWindow();
    for (let n = 0; n <= REPLAY_WINDOW_BITS; n++) assert.ok(accept(w, n));
    for (let n = 0; n < 64; n++) assert.equal(accept(w, n), false, `replayed ${n}`);
  });

  test('check does not change the window: a counter that never commits stays acceptable', () => {
    const w = new ReplayWindow();
    assert.ok(w.check(7));
    assert.ok(w.check(7));
    assert.equal(w.highest, -1);
    assert.ok(accept(w, 7));
    assert.equal(w.check(7), false);
  });

  test('invalid counters are refused', () => {
    const w = new ReplayWindow();
    for (const n of [-1, 1.5, Number.MAX_SAFE_INTEGER + 2, Number.NaN]) assert.equal(w.check(n), false);
  });

  test('agrees with a set-based model on random sequences (jumps, reordering, replays)', () => {
    const counter = fc.oneof(fc.nat(3 * REPLAY_WINDOW_BITS), fc.integer({ min: 0, max: 2 ** 40 }));
    fc.assert(
      fc.property(fc.array(fc.oneof(counter, fc.constant(-1)), { maxLength: 400 }), (ops) => {
        const w = new ReplayWindow();
        const model = new ModelWindow();
        let last = 0;
        for (const op of ops) {
          // -1 means: replay the previous counter; otherwise nudge near the last one half the time.
          const n = op === -1 ? last : op % 2 === 0 ? Math.max(0, last + (op % 200) - 100) : op;
          assert.equal(accept(w, n), model.accept(n), `counter ${n}`);
          last = n;
        }
      }),
      { seed: 20261126, numRuns: 300 },
    );
  });
});
