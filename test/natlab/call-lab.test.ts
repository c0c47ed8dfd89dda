/**
 * A call through the NAT lab with 5% random loss at the callee's router (both ways): the speech the
 * callee sends is heard with an envelope correlation of at least 0.8. Needs root (CI runs it).
 * Jitter is not added: the kernel has no netem (see NatLab.impair); the jitter buffer's 30 ms case is
 * in test/call/media-stream.test.ts.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import { runCallLab } from '../../src/natlab/call-lab.js';
import { labUnavailable } from '../../src/natlab/lab.js';
import { LAB_RUN_PREFIX } from '../../src/natlab/lab-network.js';
import { makeSpeech, speechUnavailable } from '../call/speech.js';

const unavailable = (await labUnavailable()) ?? speechUnavailable;

test('a call through the NAT lab at 5% random loss: direct between the NATs, the speech heard (envelope correlation >= 0.8), lost frames rebuilt or concealed and counted', { skip: unavailable ?? false, timeout: 300_000 }, async () => {
  const r = await runCallLab((line) => console.log(line), makeSpeech(), 5);
  const q = r.call.quality;
  assert.ok(q !== null);
  console.log(`NAT lab call at ${r.lossPercent}% loss: envelope correlation ${r.correlation.toFixed(3)} at ${r.delayMs} ms; heard loss ${q.lossPercent}%, ${q.fecRecovered} frames rebuilt from the next packet, ${q.concealed} concealed, MOS ${q.mos}; path ${r.call.path}`);
  assert.equal(r.call.reason, 'hung-up');
  assert.equal(r.call.path, 'direct');
  assert.ok(q.lossPercent > 1 && q.lossPercent < 12, `the loss was real: ${q.lossPercent}%`);
  assert.ok(q.fecRecovered > 0, 'lost frames were rebuilt from the next packet');
  assert.ok(r.correlation >= 0.8, `correlation ${r.correlation}`);
  assert.ok(q.mos >= 3.6, `MOS ${q.mos}`);
  const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(`${LAB_RUN_PREFIX}c${process.pid}`));
  assert.deepEqual(left, [], 'no namespace left');
});
