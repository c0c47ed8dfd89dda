import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { slotOf } from '../../src/overlay/slots.js';
import type { SimSupernode } from '../../src/sim/membership-sim.js';
import { OverlaySim, type SimClient } from '../../src/sim/overlay-sim.js';
import { Prng } from '../../src/util/prng.js';

const rng = new Prng(808);

/** 30 supernodes; clients said hello and published. */
function world(seed: number, names: string[]): { sim: OverlaySim; sns: SimSupernode[]; clients: SimClient[] } {
  const sim = new OverlaySim(seed, { delayMs: 30, jitterMs: 0, loss: 0 });
  const sns = sim.startWarm(30);
  sim.runFor(2_000);
  const clients = names.map((name, i) => sim.addClient(name, (sns[(i * 11) % sns.length] as SimSupernode).id));
  for (const c of clients) {
    c.hello();
    c.publish(sim.net.now);
    sim.flush(c);
  }
  sim.runFor(2_000);
  return { sim, sns, clients };
}

const replicasOf = (sim: OverlaySim, account: string): string[] => [...([...sim.members.values()][0]?.table.ring().replicasOf(slotOf(account)) ?? [])];
const heldAt = (sim: OverlaySim, id: string): number => sim.supernodes.get(id)?.offline.size().messages ?? -1;

describe('offline messages on a simulated network', () => {
  test('a message waits at the recipient\'s 3 replicas, is fetched by each device, and goes once every device acknowledged it', () => {
    const { sim, clients } = world(1, ['olga', 'pavel', 'pavel']);
    const [olga, phone, laptop] = clients as [SimClient, SimClient, SimClient];
    const id = rng.bytes(16);
    olga.sendOffline('Pavel', id, Buffer.from('sealed for pavel'));
    sim.flush(olga);
    sim.runFor(1_000);
    assert.deepEqual(olga.offlineSent, [{ stored: 3, replicas: 3 }]);
    const replicas = replicasOf(sim, 'pavel');
    for (const r of replicas) assert.equal(heldAt(sim, r), 1);

    phone.fetchOffline();
    sim.flush(phone);
    sim.runFor(1_000);
    assert.equal(phone.inbox.length, 1);
    assert.equal(Buffer.from(phone.inbox[0]?.blob ?? []).toString(), 'sealed for pavel');
    assert.equal(phone.inbox[0]?.sender, 'olga');
    phone.ackOffline([id]);
    sim.flush(phone);
    sim.runFor(1_000);
    for (const r of replicas) assert.equal(heldAt(sim, r), 1, 'the laptop has not fetched it yet');
    phone.fetchOffline();
    sim.flush(phone);
    sim.runFor(1_000);
    assert.equal(phone.inbox.length, 1, 'the phone does not get it again');

    laptop.fetchOffline();
    sim.flush(laptop);
    sim.runFor(1_000);
    assert.equal(laptop.inbox.length, 1);
    laptop.ackOffline([id]);
    sim.flush(laptop);
    sim.runFor(1_000);
    for (const r of replicas) assert.equal(heldAt(sim, r), 0, 'acknowledged by every device: gone');
  });

  test('without hello a client cannot send or fetch; the same message sent twice is stored once', () => {
    const { sim, sns, clients } = world(2, ['quinn', 'rhea']);
    const stranger = sim.addClient('stranger', (sns[0] as SimSupernode).id);
    stranger.sendOffline('rhea', rng.bytes(16), Buffer.from('x'));
    stranger.fetchOffline();
    sim.flush(stranger);
    sim.runFor(1_000);
    assert.deepEqual(stranger.offlineErrors, ['NOT_IDENTIFIED', 'NOT_IDENTIFIED']);
    const quinn = clients[0] as SimClient;
    const id = rng.bytes(16);
    quinn.sendOffline('rhea', id, Buffer.from('once'));
    quinn.sendOffline('rhea', id, Buffer.from('once'));
    sim.flush(quinn);
    sim.runFor(1_000);
    for (const r of replicasOf(sim, 'rhea')) assert.equal(heldAt(sim, r), 1);
  });

  test('one sender cannot fill a recipient\'s box: the per-sender quota refuses with a code', () => {
    const quotas = { messagesPerRecipient: 100, bytesPerRecipient: 1e6, messagesPerSenderPerRecipient: 2, messagesTotal: 1000 };
    const sim = new OverlaySim(3, { delayMs: 30, jitterMs: 0, loss: 0 }, {}, {}, { quotas });
    const sns = sim.startWarm(10);
    sim.runFor(2_000);
    const spam = sim.addClient('spammer', (sns[0] as SimSupernode).id);
    spam.hello();
    sim.flush(spam);
    sim.runFor(500);
    for (let i = 0; i < 3; i++) spam.sendOffline('target', rng.bytes(16), Buffer.from(`spam ${i}`));
    sim.flush(spam);
    sim.runFor(1_000);
    assert.deepEqual(
      spam.offlineSent.map((s) => s.stored),
      [3, 3, 0],
    );
    assert.equal(spam.offlineSent[2]?.code, 'QUOTA_SENDER');
  });

  test('a replica crashes: the message is still fetched, and the slot\'s new replica pulls it', () => {
    const { sim, clients } = world(4, ['sara', 'tomas']);
    const [sara, tomas] = clients as [SimClient, SimClient];
    const id = rng.bytes(16);
    sara.sendOffline('tomas', id, Buffer.from('while you were out'));
    sim.flush(sara);
    sim.runFor(1_000);
    const [first] = replicasOf(sim, 'tomas');
    if (first === tomas.supernode) assert.fail('pick another seed: the recipient is attached to the replica');
    sim.kill(first as string);
    tomas.fetchOffline();
    sim.flush(tomas);
    sim.runFor(4_000);
    assert.equal(tomas.inbox.length, 1, 'fetched from the other replicas');
    assert.notEqual(sim.runUntil(() => sim.agree([...sim.members.keys()]), 30_000), null);
    sim.runFor(2_000);
    for (const r of replicasOf(sim, 'tomas')) assert.equal(heldAt(sim, r), 1, `replica ${r.slice(0, 8)} holds it`);
  });
});
