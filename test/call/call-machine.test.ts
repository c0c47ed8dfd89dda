import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';

import { ALL_DEVICES, CALL_RING_MS, CALL_SETUP_MS, CALL_STATES, CallError, CallMachine, type CallInput, type CallOutput } from '../../src/call/call-machine.js';

const drain = (call: CallMachine): CallOutput[] => {
  const out: CallOutput[] = [];
  for (let o = call.poll(); o; o = call.poll()) out.push(o);
  return out;
};
const sends = (out: CallOutput[]): string[] => out.flatMap((o) => (o.type === 'send' ? [`${o.to}:${o.message.type}${'reason' in o.message ? `/${o.message.reason}` : ''}`] : []));
const states = (out: CallOutput[]): string[] => out.flatMap((o) => (o.type === 'state' ? [o.reason ? `${o.state}/${o.reason}` : o.state] : []));

test('a call to two devices: both ring, one answers, the other is told it was answered elsewhere', () => {
  const call = CallMachine.dial('c1', ['phone', 'laptop'], 1000);
  assert.deepEqual(sends(drain(call)), ['phone:invite', 'laptop:invite']);
  call.handle({ type: 'remote-ringing', device: 'phone' }, 1050);
  call.handle({ type: 'remote-ringing', device: 'laptop' }, 1060);
  assert.deepEqual(states(drain(call)), ['ringing'], 'ringing once, whatever rings');
  assert.equal(call.nextDeadline(), 1050 + CALL_RING_MS);
  call.handle({ type: 'remote-answered', device: 'laptop' }, 3000);
  const out = drain(call);
  assert.deepEqual(sends(out), ['phone:cancel/answered-elsewhere']);
  assert.deepEqual(states(out), ['active']);
  assert.equal(call.peer, 'laptop');
  assert.equal(call.answeredAt, 3000);
  assert.equal(call.nextDeadline(), null);
  call.handle({ type: 'remote-answered', device: 'phone' }, 3100);
  assert.deepEqual(drain(call), [], 'a second answer, too late, changes nothing');
  call.handle({ type: 'hangup' }, 9000);
  assert.deepEqual(sends(drain(call)), ['laptop:bye']);
  assert.deepEqual([call.state, call.reason, call.endedAt], ['ended', 'hung-up', 9000]);
});

test('the callee: rings, answers; hold and resume on both sides, mute, a path change, hang up by the other side', () => {
  const call = CallMachine.incoming('c2', 'alice-phone', 0);
  assert.deepEqual(sends(drain(call)), ['alice-phone:ringing']);
  call.handle({ type: 'answer' }, 10);
  assert.deepEqual(sends(drain(call)), ['alice-phone:answer']);
  const steps: [CallInput, string, string[]][] = [
    [{ type: 'hold' }, 'local-hold', ['alice-phone:hold']],
    [{ type: 'remote-hold' }, 'both-hold', []],
    [{ type: 'resume' }, 'remote-hold', ['alice-phone:resume']],
    [{ type: 'remote-resume' }, 'active', []],
    [{ type: 'mute', muted: true }, 'active', ['alice-phone:mute']],
    [{ type: 'path', path: 'direct' }, 'active', []],
  ];
  for (const [input, state, sent] of steps) {
    call.handle(input, 20);
    assert.deepEqual([call.state, sends(drain(call))], [state, sent], input.type);
  }
  assert.equal(call.muted, true);
  call.handle({ type: 'remote-mute', muted: true }, 21);
  assert.deepEqual(drain(call), [{ type: 'remote-muted', muted: true }]);
  call.handle({ type: 'path', path: 'relay-udp' }, 22);
  assert.deepEqual(drain(call), [{ type: 'path', path: 'relay-udp' }], 'a path change is reported, the state stays');
  call.handle({ type: 'remote-bye' }, 30);
  assert.deepEqual(states(drain(call)), ['ended/remote-hung-up']);
});

test('declined and busy once every device has said so (busy wins); one refusal while another rings changes nothing', () => {
  const declined = CallMachine.dial('c3', ['a', 'b'], 0);
  declined.handle({ type: 'remote-ringing', device: 'a' }, 1);
  declined.handle({ type: 'remote-declined', device: 'a' }, 2);
  assert.equal(declined.state, 'ringing');
  declined.handle({ type: 'remote-declined', device: 'b' }, 3);
  assert.deepEqual([declined.state, declined.reason], ['ended', 'declined']);
  const busy = CallMachine.dial('c4', ['a', 'b'], 0);
  busy.handle({ type: 'remote-busy', device: 'a' }, 1);
  busy.handle({ type: 'remote-declined', device: 'b' }, 2);
  assert.deepEqual([busy.state, busy.reason], ['ended', 'busy']);
  const stranger = CallMachine.dial('c5', ['a'], 0);
  stranger.handle({ type: 'remote-declined', device: 'not-invited' }, 1);
  stranger.handle({ type: 'remote-answered', device: 'not-invited' }, 1);
  assert.equal(stranger.state, 'calling', 'a device that was not invited is not heard');
});

test('timeouts: nobody rings (failed, unreachable), nobody answers (no answer; the devices stop ringing), a callee that rings too long (missed); cancels reach the callee', () => {
  const unreachable = CallMachine.dial('c6', ['a'], 0);
  drain(unreachable);
  unreachable.timeout(CALL_SETUP_MS - 1);
  assert.equal(unreachable.state, 'calling');
  unreachable.timeout(CALL_SETUP_MS);
  assert.deepEqual([unreachable.state, unreachable.reason, unreachable.detail], ['ended', 'failed', 'unreachable: no device of the callee answered the invitation']);
  const unanswered = CallMachine.dial('c7', ['a', 'b'], 0);
  unanswered.handle({ type: 'remote-ringing', device: 'a' }, 100);
  drain(unanswered);
  unanswered.timeout(100 + CALL_RING_MS);
  const out = drain(unanswered);
  assert.deepEqual(sends(out), [`${ALL_DEVICES}:cancel/no-answer`]);
  assert.deepEqual(states(out), ['ended/no-answer']);
  const ringing = CallMachine.incoming('c8', 'x', 0);
  ringing.timeout(CALL_RING_MS);
  assert.deepEqual([ringing.state, ringing.reason], ['ended', 'missed']);
  for (const [reason, shown] of [['cancelled', 'missed'], ['answered-elsewhere', 'answered-elsewhere'], ['no-answer', 'missed']] as const) {
    const callee = CallMachine.incoming('c9', 'x', 0);
    callee.handle({ type: 'remote-cancelled', reason }, 5);
    assert.deepEqual([callee.state, callee.reason], ['ended', shown], reason);
  }
  const cancelled = CallMachine.dial('c10', ['a'], 0);
  drain(cancelled);
  cancelled.handle({ type: 'hangup' }, 5);
  assert.deepEqual(sends(drain(cancelled)), [`${ALL_DEVICES}:cancel/cancelled`]);
  assert.equal(cancelled.reason, 'cancelled');
});

test('local actions the state does not take are refused with a reason and change nothing', () => {
  const call = CallMachine.dial('c11', ['a'], 0);
  drain(call);
  for (const input of [{ type: 'answer' }, { type: 'hold' }, { type: 'decline' }] as const) {
    assert.throws(() => call.handle(input, 1), (e: unknown) => e instanceof CallError && e.code === 'NOT_NOW' && e.message.includes('calling'));
  }
  assert.deepEqual([call.state, drain(call)], ['calling', []]);
  call.handle({ type: 'hangup' }, 2);
  assert.throws(() => call.handle({ type: 'hangup' }, 3), /NOT_NOW: cannot hangup a call that is ended \(cancelled\)/);
  assert.throws(() => CallMachine.dial('c12', [], 0), /BAD_INPUT/);
});

const anyInput: fc.Arbitrary<CallInput> = fc.oneof(
  fc.constantFrom<CallInput>({ type: 'answer' }, { type: 'decline' }, { type: 'busy' }, { type: 'hangup' }, { type: 'hold' }, { type: 'resume' }, { type: 'remote-bye' }, { type: 'remote-hold' }, { type: 'remote-resume' }, { type: 'timeout' }),
  fc.record({ type: fc.constantFrom('remote-ringing' as const, 'remote-answered' as const, 'remote-declined' as const, 'remote-busy' as const), device: fc.constantFrom('a', 'b', 'z') }),
  fc.record({ type: fc.constant('remote-cancelled' as const), reason: fc.constantFrom('cancelled' as const, 'answered-elsewhere' as const, 'no-answer' as const) }),
  fc.record({ type: fc.constantFrom('mute' as const, 'remote-mute' as const), muted: fc.boolean() }),
  fc.record({ type: fc.constant('failed' as const), reason: fc.string({ maxLength: 20 }) }),
  fc.record({ type: fc.constant('path' as const), path: fc.constantFrom('direct', 'relay-udp') }),
);

test('any sequence of inputs, on either side: only CallError is thrown, the state is always one of the table’s, an ended call stays ended and says nothing more', () => {
  fc.assert(
    fc.property(fc.boolean(), fc.array(anyInput, { maxLength: 40 }), (caller, inputs) => {
      const call = caller ? CallMachine.dial('p', ['a', 'b'], 0) : CallMachine.incoming('p', 'a', 0);
      drain(call);
      let now = 0;
      for (const input of inputs) {
        now += 1000;
        const ended = call.state === 'ended';
        try {
          call.handle(input, now);
        } catch (e) {
          if (!(e instanceof CallError)) throw e;
        }
        assert.ok((CALL_STATES as readonly string[]).includes(call.state));
        if (ended) assert.deepEqual([call.state, drain(call)], ['ended', []]);
        else drain(call);
      }
    }),
    { numRuns: 500, seed: 8 },
  );
});
