import assert from 'node:assert/strict';
import { test } from 'node:test';

import { mixAllButOne } from '../../src/call/mixer.js';
import { FRAME_SAMPLES } from '../../src/call/opus-codec.js';

const constant = (v: number): Int16Array => new Int16Array(FRAME_SAMPLES).fill(v);

test('each participant hears the sum of the others, not themself; nothing adds nothing; the sum clips to 16 bits', () => {
  const out = mixAllButOne([constant(100), constant(20), null, constant(3)]);
  assert.deepEqual(out.map((f) => f[0]), [23, 103, 123, 120]);
  assert.ok(out.every((f) => f.every((s) => s === f[0])));
  const loud = mixAllButOne([constant(30_000), constant(30_000), constant(-30_000), constant(-30_000)]);
  assert.deepEqual(loud.map((f) => f[0]), [-30_000, -30_000, 30_000, 30_000]);
  assert.deepEqual(mixAllButOne([constant(30_000), constant(30_000), constant(30_000)]).map((f) => f[0]), [32767, 32767, 32767]);
  assert.deepEqual(mixAllButOne([]), []);
});
