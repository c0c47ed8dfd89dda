import assert from 'node:assert/strict';
import { test } from 'node:test';

import { notificationLines } from '../../src/api/text-commands.js';
import type { CallSummary, ConferenceSummary } from '../../src/call/call-manager.js';

const call = (state: CallSummary['state'], reason: CallSummary['reason']): CallSummary => ({
  id: 'ab'.repeat(16),
  direction: 'incoming',
  peer: 'alice',
  state,
  reason,
  detail: null,
  startedAt: 0,
  ringingAt: null,
  answeredAt: null,
  firstAudioAt: null,
  endedAt: null,
  path: null,
  muted: false,
  remoteMuted: false,
  quality: null,
  audio: null,
  conference: null,
});

test("call events in the Skype API's words on /v1/commands: CALL id STATUS ..., and a conference's participant count", () => {
  const lines = (s: CallSummary['state'], r: CallSummary['reason']): string[] => notificationLines({ type: 'call', call: call(s, r) });
  assert.deepEqual(lines('incoming', null), [`CALL ${'ab'.repeat(16)} STATUS RINGING`]);
  assert.deepEqual(lines('active', null), [`CALL ${'ab'.repeat(16)} STATUS INPROGRESS`]);
  assert.deepEqual(lines('ended', 'declined'), [`CALL ${'ab'.repeat(16)} STATUS REFUSED`]);
  assert.deepEqual(lines('ended', 'conference-ended'), [`CALL ${'ab'.repeat(16)} STATUS FINISHED`]);
  const conference: ConferenceSummary = { id: 'cd'.repeat(16), host: 'bob', roster: ['bob', 'alice', 'carol'], startedAt: 0, answeredAt: 1, endedAt: null, muted: false, calls: [], audio: null };
  assert.deepEqual(notificationLines({ type: 'conference', conference }), [`CALL ${'cd'.repeat(16)} CONF_PARTICIPANTS_COUNT 3`]);
});
