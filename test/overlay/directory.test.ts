import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { slotOf } from '../../src/overlay/slots.js';
import { OverlaySim, type LookupOutcome, type SimClient } from '../../src/sim/overlay-sim.js';
import type { SimSupernode } from '../../src/sim/membership-sim.js';

const DELAY_MS = 50;

/** 30 supernodes from a shared table and 100 clients, each published once. */
function world(seed: number, supernodes = 30, clients = 100): { sim: OverlaySim; sns: SimSupernode[]; users: SimClient[] } {
  const sim = new OverlaySim(seed, { delayMs: DELAY_MS, jitterMs: 0, loss: 0 });
  const sns = sim.startWarm(supernodes);
  sim.runFor(2_000);
  const users = Array.from({ length: clients }, (_, i) => sim.addClient(`user${i}`, (sns[(i * 7) % sns.length] as SimSupernode).id));
  for (const u of users) {
    u.publish(sim.net.now);
    sim.flush(u);
  }
  sim.runFor(3_000);
  return { sim, sns, users };
}

/** Every client looks up `perClient` users; the outcomes after the network settles. */
function lookups(sim: OverlaySim, clients: readonly SimClient[], perClient: number, total: number): LookupOutcome[] {
  const out: LookupOutcome[] = [];
  clients.forEach((c, i) => {
    for (let k = 0; k < perClient; k++) out.push(c.lookup(`user${(i * 13 + k * 29 + 1) % total}`, sim.net.now));
    sim.flush(c);
  });
  sim.runFor(5_000);
  return out;
}

const found = (outs: readonly LookupOutcome[]): number => outs.filter((o) => o.records.length > 0).length;
const percentile = (outs: readonly LookupOutcome[], q: number): number => {
  const l = outs.map((o) => o.latencyMs ?? Infinity).sort((a, b) => a - b);
  return l[Math.min(l.length - 1, Math.floor(q * l.length))] ?? Infinity;
};
const replicasOf = (sim: OverlaySim, username: string): string[] => [...([...sim.members.values()][0]?.table.ring().replicasOf(slotOf(username)) ?? [])];

describe('the directory on a simulated network (30 supernodes, 100 clients, 50 ms one way)', () => {
  test('every record is stored at 3 replicas; every lookup finds the user in one overlay hop: 2 RTT from the client', () => {
    const { sim, users } = world(1);
    assert.deepEqual([...new Set(users.map((u) => u.published[0]))], [3]);
    const outs = lookups(sim, users, 5, 100);
    assert.equal(found(outs), outs.length);
    assert.equal(percentile(outs, 0.5), 4 * DELAY_MS, 'client -> supernode -> replica -> supernode -> client');
    for (const o of outs) assert.equal(o.records[0]?.body.accountKey, o.username);
  });

  test('replicas that forge records only slow lookups down: no client ever gets an altered record', () => {
    const { sim, sns, users } = world(2);
    for (const s of sns.slice(0, 5)) (sim.supernodes.get(s.id) ?? assert.fail()).forge = true;
    const outs = lookups(sim, users, 5, 100);
    assert.equal(found(outs), outs.length);
    assert.equal(outs.reduce((n, o) => n + o.rejected, 0), 0, 'the supernodes dropped every forged record');
    const caught = [...sim.supernodes.values()].reduce((n, s) => n + s.directory.stats.badRecordsFromPeers, 0);
    assert.ok(caught > 0, 'forged answers were seen and refused');
  });

  test("a record altered by the client's own supernode is rejected by the client", () => {
    const { sim, users } = world(3);
    const victim = users[0] as SimClient;
    (sim.supernodes.get(victim.supernode) ?? assert.fail()).forgeToClients = true;
    const o = victim.lookup('user5', sim.net.now);
    sim.flush(victim);
    sim.runFor(2_000);
    assert.equal(o.records.length, 0);
    assert.equal(o.rejected, 1);
  });

  test('a stale replica: the supernode that saw the newer record asks another replica; a client never goes back to an older one', () => {
    const { sim, users } = world(4);
    // An owner whose own supernode is not a replica of its slot, so lookups through it go out.
    const owner = users.find((u) => !replicasOf(sim, u.username).includes(u.supernode)) ?? assert.fail('no such user');
    const old = owner.publish(sim.net.now, 'away'); // seq 2 (seq 1 went out in world())
    sim.flush(owner);
    sim.runFor(2_000);
    owner.publish(sim.net.now, 'busy'); // seq 3
    sim.flush(owner);
    sim.runFor(2_000);
    const [primary, second] = replicasOf(sim, owner.username) as [string, string];
    const stale = sim.supernodes.get(primary) ?? assert.fail();
    stale.stale = new Map([[owner.username, [old]]]);

    const mine = owner.lookup(owner.username, sim.net.now);
    sim.flush(owner);
    sim.runFor(2_000);
    assert.equal(mine.records[0]?.body.presence, 'busy', "through the owner's supernode, which saw seq 3");
    assert.ok((sim.supernodes.get(owner.supernode)?.directory.stats.badRecordsFromPeers ?? 0) >= 1, 'the stale answer was refused');

    const other = users.find((u) => u.supernode !== owner.supernode && !replicasOf(sim, owner.username).includes(u.supernode)) ?? assert.fail('no such client');
    const newest = sim.supernodes.get(second)?.directory.recordsOf(owner.username, sim.net.now)[0] ?? assert.fail('the second replica holds seq 3');
    assert.equal(newest.body.seq, 3);
    other.remember(newest);
    const again = other.lookup(owner.username, sim.net.now);
    sim.flush(other);
    sim.runFor(2_000);
    assert.equal(again.rejected, 1, 'seq 2 after seq 3 is rejected by the client');
    assert.equal(again.records.length, 0);
  });

  test('10% of the supernodes crash at once: lookups still succeed (hedged to the next replica)', () => {
    const { sim, sns, users } = world(5);
    for (const s of sns.slice(0, 3)) sim.kill(s.id);
    const alive = users.filter((u) => sim.supernodes.has(u.supernode));
    const outs = lookups(sim, alive, 5, 100);
    assert.ok(found(outs) / outs.length >= 0.999, `${found(outs)} of ${outs.length}`);
    assert.ok([...sim.supernodes.values()].some((s) => s.directory.stats.hedged > 0));
  });

  test('when a replica crashes, the new replica pulls the slot: all 3 current replicas hold the record again', () => {
    const { sim } = world(6);
    const [primary] = replicasOf(sim, 'user42');
    sim.kill(primary as string);
    const rest = [...sim.members.keys()];
    assert.notEqual(sim.runUntil(() => sim.agree(rest), 30_000), null);
    sim.runFor(2_000);
    const now = replicasOf(sim, 'user42');
    assert.ok(!now.includes(primary as string));
    for (const r of now) assert.equal(sim.supernodes.get(r)?.directory.recordsOf('user42', sim.net.now).length, 1, `replica ${r.slice(0, 8)} holds user42`);
  });

  test("when all three replicas of a slot crash, the owners' supernodes put the records to the new replicas", () => {
    const { sim } = world(9);
    const gone = replicasOf(sim, 'user33');
    for (const r of gone) sim.kill(r);
    const rest = [...sim.members.keys()];
    assert.notEqual(sim.runUntil(() => sim.agree(rest), 60_000), null);
    sim.runFor(2_000);
    const reader = [...sim.clients].find((c) => sim.supernodes.has(c.supernode) && c.username !== 'user33') ?? assert.fail();
    const o = reader.lookup('user33', sim.net.now);
    sim.flush(reader);
    sim.runFor(2_000);
    assert.equal(o.records.length, 1, 'found again, long before the device would refresh');
  });

  test('a leaving replica hands its slots over first', () => {
    const { sim } = world(7);
    const [primary] = replicasOf(sim, 'user7');
    const node = sim.supernodes.get(primary as string) ?? assert.fail();
    node.directory.handOver(sim.net.now);
    node.membership.leave(sim.net.now);
    sim.net.drain(primary as string);
    sim.kill(primary as string);
    const rest = [...sim.members.keys()];
    assert.notEqual(sim.runUntil(() => sim.agree(rest), 10_000), null);
    for (const r of replicasOf(sim, 'user7')) assert.equal(sim.supernodes.get(r)?.directory.recordsOf('user7', sim.net.now).length, 1);
  });

  test('a watcher hears of a change once, however many replicas report it', () => {
    const { sim, users } = world(8);
    const watcher = users[1] as SimClient;
    const watched = users[50] as SimClient;
    watcher.watch('user50');
    sim.flush(watcher);
    sim.runFor(1_000);
    watched.publish(sim.net.now, 'away');
    sim.flush(watched);
    sim.runFor(2_000);
    assert.equal(watcher.changes.length, 1);
    assert.equal(watcher.changes[0]?.body.presence, 'away');
  });

  test("a client's watches end when it unwatches or its session closes: no more notices, and the watched account is forgotten at its supernode", () => {
    const { sim, users } = world(9);
    const watcher = users[2] as SimClient;
    const watched = users[60] as SimClient;
    const node = sim.supernodes.get(watcher.supernode) ?? assert.fail('the watcher has a supernode');
    const before = node.directory.watchedAccounts;
    watcher.watch('user60');
    sim.flush(watcher);
    sim.runFor(1_000);
    assert.equal(node.directory.watchedAccounts, before + 1);
    watcher.unwatch('user60');
    sim.flush(watcher);
    sim.runFor(1_000);
    assert.equal(node.directory.watchedAccounts, before, 'unwatched');
    watcher.watch('user60');
    sim.flush(watcher);
    sim.runFor(1_000);
    assert.equal(node.directory.watchedAccounts, before + 1, 'watched again');
    node.directory.clientClosed(watcher.id);
    assert.equal(node.directory.watchedAccounts, before);
    watched.publish(sim.net.now, 'busy');
    sim.flush(watched);
    sim.runFor(2_000);
    assert.equal(watcher.changes.length, 0, 'a closed session hears nothing');
  });

  test('a client watches at most watchesPerClientMax accounts through one supernode; more are refused and counted', () => {
    const sim = new OverlaySim(10, { delayMs: DELAY_MS, jitterMs: 0, loss: 0 }, {}, { watchesPerClientMax: 3 });
    const sns = sim.startWarm(5);
    sim.runFor(2_000);
    const c = sim.addClient('watcher', (sns[0] as SimSupernode).id);
    for (let i = 0; i < 5; i++) c.watch(`someone${i}`);
    c.watch('someone0'); // already watched: not a new one
    sim.flush(c);
    sim.runFor(1_000);
    const node = sim.supernodes.get(c.supernode) ?? assert.fail();
    assert.equal(node.directory.watchedAccounts, 3);
    assert.equal(node.directory.stats.watchesRefused, 2);
  });
});

describe('the directory under loss and mass failure', () => {
  test('5% loss and 20 ms jitter: at least 99% of answered lookups find their user (hedging covers lost answers between supernodes)', () => {
    const sim = new OverlaySim(11, { delayMs: DELAY_MS, jitterMs: 20, loss: 0.05 });
    const sns = sim.startWarm(30);
    sim.runFor(2_000);
    const users = Array.from({ length: 100 }, (_, i) => sim.addClient(`user${i}`, (sns[(i * 7) % sns.length] as SimSupernode).id));
    // A device publishes again until a replica confirms (as the client daemon will).
    for (let round = 0; round < 5; round++) {
      for (const u of users.filter((x) => !x.published.some((n) => n > 0))) {
        u.publish(sim.net.now);
        sim.flush(u);
      }
      sim.runFor(3_000);
    }
    assert.ok(users.every((u) => u.published.some((n) => n > 0)), 'every user published');
    const outs = lookups(sim, users, 3, 100);
    // A lookup is lost only when its own request or answer between client and supernode is (no retry there yet).
    const answered = outs.filter((o) => o.latencyMs !== null);
    assert.ok(found(answered) / answered.length >= 0.99, `${found(answered)} of ${answered.length} answered lookups found their user`);
    assert.ok(answered.length / outs.length >= 0.85, `${answered.length} of ${outs.length} answered`);
  });

  test('a third of the supernodes crash at once: once the membership has noticed, every user whose slot kept a replica or whose own supernode lives is found again', () => {
    const { sim, sns, users } = world(12);
    const dead = new Set(sns.filter((_, i) => i % 3 === 0).map((s) => s.id));
    for (const d of dead) sim.kill(d);
    const rest = [...sim.members.keys()];
    assert.notEqual(sim.runUntil(() => sim.agree(rest), 90_000), null, 'seed 12: the membership agrees');
    sim.runFor(3_000);
    const alive = users.filter((u) => !dead.has(u.supernode));
    const outs: LookupOutcome[] = [];
    alive.forEach((c, i) => {
      // Users whose own supernode lives: their supernode re-put their records to the new replicas.
      outs.push(c.lookup((alive[(i * 17 + 3) % alive.length] as SimClient).username, sim.net.now));
      sim.flush(c);
    });
    sim.runFor(5_000);
    assert.equal(found(outs), outs.length, `${found(outs)} of ${outs.length}`);
  });
});
