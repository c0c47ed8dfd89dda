import assert from 'node:assert/strict';
import { test } from 'node:test';

import { runMediaBench } from '../../bench/media-bench.js';

test('the media benchmark (short): every part measures something, and the parts agree with one another', { timeout: 120_000 }, async () => {
  const r = await runMediaBench({ seconds: 0.4 });
  assert.ok(r.perFrame.encodeEncryptUs > 0 && r.perFrame.decryptDecodeUs > 0 && r.perFrame.frames === 3000, JSON.stringify(r.perFrame));
  assert.ok(r.concurrentCalls.tried.length >= 1);
  assert.ok(r.concurrentCalls.tried.every((t) => t.ticks > 0 && t.cpuShare > 0));
  // What was carried is the last size tried without a late tick.
  const carried = r.concurrentCalls.tried.filter((t) => t.lateTicks === 0).map((t) => t.calls);
  assert.equal(r.concurrentCalls.carried, carried.length > 0 ? Math.max(...carried) : 0);
  assert.equal(r.mix25.participants, 25);
  assert.ok(r.mix25.cpuShareOfOneCore > 0 && r.mix25.tickP99Ms > 0, JSON.stringify(r.mix25));
  // A frame cannot play before it was filled and sent: at least a frame period, plus the buffer's delay.
  assert.ok(r.mouthToEar.frames > 0 && r.mouthToEar.p50Ms >= 20 && r.mouthToEar.p95Ms >= r.mouthToEar.p50Ms, JSON.stringify(r.mouthToEar));
});
