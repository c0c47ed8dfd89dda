/**
 * A call through the NAT lab with 5% random loss at the callee's router and 30 ms of jitter on the
 * callee's packets (each held 40 ± 30 ms by a delay line: the kernel has no netem), both ways: the
 * speech the callee sends is heard with an envelope correlation of at least 0.8. Needs root (CI
 * runs it).
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import { runCallLab } from '../../src/natlab/call-lab.js';
import { labUnavailable } from '../../src/natlab/lab.js';
import { LAB_RUN_PREFIX } from '../../src/natlab/lab-network.js';
import { makeSpeech, speechUnavailable } from '../call/speech.js';

const unavailable = (await labUnavailable()) ?? speechUnavailable;

test('a call through the NAT lab at 5% random loss and 30 ms jitter: direct between the NATs, the speech heard (envelope correlation >= 0.8), lost frames rebuilt or concealed and counted', { skip: unavailable ?? false, timeout: 300_000 }, async () => {
  const r = await runCallLab((line) => console.log(line), makeSpeech(), { lossPercent: 5, delayMs: 40, jitterMs: 30 });
  const q = r.call.quality;
  assert.ok(q !== null);
  console.log(`NAT lab call at ${r.impairment.lossPercent}% loss, ${r.impairment.delayMs} ± ${r.impairment.jitterMs} ms: envelope correlation ${r.correlation.toFixed(3)} at ${r.lagMs} ms (segments ${r.lagRangeMs.join(' to ')} ms); heard loss ${q.lossPercent}%, jitter ${q.jitterMs} ms, rtt ${q.rttMs} ms, jitter buffer ${q.bufferMs} ms, ${q.fecRecovered} frames rebuilt from the next packet, ${q.concealed} concealed, ${q.late} late, MOS ${q.mos}; path ${r.call.path}`);
  assert.equal(r.call.reason, 'hung-up');
  assert.equal(r.call.path, 'direct');
  assert.ok(q.lossPercent > 1 && q.lossPercent < 12, `the loss was real: ${q.lossPercent}%`);
  assert.ok(q.fecRecovered > 0, 'lost frames were rebuilt from the next packet');
  assert.ok(q.rttMs !== null && q.rttMs >= 40, `the delay was real: round trip ${q.rttMs} ms`);
  assert.ok(q.jitterMs >= 8, `the jitter was real: ${q.jitterMs} ms`);
  assert.ok(r.correlation >= 0.8, `correlation ${r.correlation}`);
  assert.ok(r.coverage >= 0.95, `the recording covers ${r.coverage} of the speech`);
  assert.ok(q.mos >= 3.6, `MOS ${q.mos}`);
  const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(`${LAB_RUN_PREFIX}c${process.pid}`));
  assert.deepEqual(left, [], 'no namespace left');
});
