import assert from 'node:assert/strict';
import { test } from 'node:test';

import { OverlaySim, type SimClient } from '../../src/sim/overlay-sim.js';
import type { SimSupernode } from '../../src/sim/membership-sim.js';

/** 30 supernodes; alice, bob on two devices and carol, each on its own supernode. */
function world(seed: number): { sim: OverlaySim; sns: SimSupernode[]; alice: SimClient; bob: SimClient; bobTablet: SimClient; carol: SimClient } {
  const sim = new OverlaySim(seed, { delayMs: 50, jitterMs: 5, loss: 0 });
  const sns = sim.startWarm(30);
  sim.runFor(2_000);
  const at = (i: number): string => (sns[i] as SimSupernode).id;
  const alice = sim.addClient('alice', at(1));
  const bob = sim.addClient('bob', at(2));
  const bobTablet = sim.addClient('bob', at(3));
  const carol = sim.addClient('carol', at(4));
  for (const c of [alice, bob, bobTablet]) {
    c.hello();
    sim.flush(c);
  }
  sim.runFor(1_000);
  return { sim, sns, alice, bob, bobTablet, carol };
}

test("a blob forwarded through alice's supernode reaches bob's device at its own supernode, named as from alice, and only that device", () => {
  const { sim, alice, bob, bobTablet } = world(1);
  alice.forwardTo('Bob', bob.deviceId, [bob.supernode], Buffer.from('sealed envelope'));
  sim.flush(alice);
  sim.runFor(1_000);
  assert.deepEqual(alice.forwardResults, [1]);
  assert.deepEqual(bob.forwarded.map((f) => [f.sender, Buffer.from(f.blob).toString()]), [['alice', 'sealed envelope']]);
  assert.equal(bobTablet.forwarded.length, 0, "another device of bob's is not the one named");
});

test('a device not attached where its record said: counted undeliverable, nothing pushed; a client that has not said hello, or names only dead supernodes, is refused', () => {
  const { sim, alice, bob, bobTablet, carol } = world(2);
  // bob's tablet is not at bob's phone's supernode.
  alice.forwardTo('bob', bobTablet.deviceId, [bob.supernode], Buffer.from('x'));
  sim.flush(alice);
  sim.runFor(1_000);
  assert.deepEqual(alice.forwardResults, [1]);
  assert.equal(bobTablet.forwarded.length + bob.forwarded.length, 0);
  assert.equal(sim.supernodes.get(bob.supernode)?.forward.stats.undeliverable, 1);
  carol.forwardTo('bob', bob.deviceId, [bob.supernode], Buffer.from('x'));
  sim.flush(carol);
  sim.runFor(1_000);
  assert.deepEqual(carol.forwardResults, ['NOT_IDENTIFIED']);
  // bob's supernode crashes; once the membership knows, a forward naming only it is refused.
  sim.kill(bob.supernode);
  sim.runUntil(() => [...sim.members.values()].every((m) => !m.table.isAlive(bob.supernode)), 30_000);
  alice.forwardTo('bob', bob.deviceId, [bob.supernode], Buffer.from('x'));
  sim.flush(alice);
  sim.runFor(1_000);
  assert.equal(alice.forwardResults.at(-1), 'NOT_ATTACHED');
});

test('a client may forward 200 at once and 50 a second after: beyond it RATE_LIMITED', () => {
  const { sim, alice, bob } = world(3);
  for (let i = 0; i < 250; i++) alice.forwardTo('bob', bob.deviceId, [bob.supernode], Buffer.from(String(i)));
  sim.flush(alice);
  sim.runFor(1_000);
  assert.equal(alice.forwardResults.filter((r) => r === 1).length, 200);
  assert.equal(alice.forwardResults.filter((r) => r === 'RATE_LIMITED').length, 50);
  assert.equal(bob.forwarded.length, 200);
  sim.runFor(1_000);
  alice.forwardTo('bob', bob.deviceId, [bob.supernode], Buffer.from('later'));
  sim.flush(alice);
  sim.runFor(1_000);
  assert.equal(alice.forwardResults.at(-1), 1, 'tokens come back');
});
