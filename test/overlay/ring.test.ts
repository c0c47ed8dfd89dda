import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Ring } from '../../src/overlay/ring.js';
import { blockCount, blockOfSlot, DEFAULT_SLOTS, slotOf } from '../../src/overlay/slots.js';
import { Prng } from '../../src/util/prng.js';

const rng = new Prng(2048);
const ids = (n: number): string[] => Array.from({ length: n }, () => Buffer.from(rng.bytes(32)).toString('hex'));

describe('slots', () => {
  test('slotOf is stable, in range, and spreads names evenly', () => {
    assert.equal(slotOf('alice'), slotOf('alice'));
    assert.notEqual(slotOf('alice'), slotOf('alicf'));
    const counts = new Array<number>(64).fill(0);
    for (let i = 0; i < 64_000; i++) {
      const s = slotOf(`user${i}`, 64);
      assert.ok(s >= 0 && s < 64);
      counts[s] = (counts[s] as number) + 1;
    }
    assert.ok(Math.max(...counts) < 1200 && Math.min(...counts) > 800, `${Math.min(...counts)}..${Math.max(...counts)} per slot, 1000 expected`);
    assert.equal(blockCount(DEFAULT_SLOTS), 256);
    assert.equal(blockOfSlot(17), 2);
  });
});

describe('the ring', () => {
  const members = ids(30);
  const ring = new Ring(members);

  test('every slot has r distinct replicas, the same whatever order the members came in', () => {
    const shuffled = new Ring([...members].reverse());
    for (let s = 0; s < ring.slots; s++) {
      const r = ring.replicasOf(s);
      assert.equal(new Set(r).size, 3);
      assert.deepEqual(shuffled.replicasOf(s), r);
    }
    assert.deepEqual(new Ring(members.slice(0, 2)).replicasOf(5).length, 2, 'fewer members than r: all of them');
    assert.deepEqual(new Ring([]).replicasOf(5), []);
  });

  test('slots spread evenly: no member holds more than 1.6 times the mean', () => {
    const held = members.map((m) => ring.slotsOf(m).length);
    const mean = (ring.slots * 3) / members.length;
    assert.ok(Math.max(...held) <= 1.6 * mean, `largest ${Math.max(...held)}, mean ${mean}`);
    assert.ok(Math.min(...held) >= 0.4 * mean, `smallest ${Math.min(...held)}, mean ${mean}`);
  });

  test('a join moves about r/n of the slots; a leave moves only the slots the member held', () => {
    const joined = new Ring([...members, ...ids(1)]);
    let moved = 0;
    for (let s = 0; s < ring.slots; s++) if (joined.replicasOf(s).join() !== ring.replicasOf(s).join()) moved++;
    assert.ok(moved / ring.slots < 0.2 && moved > 0, `${moved} of ${ring.slots} slots changed`);
    const gone = members[7] as string;
    const left = new Ring(members.filter((m) => m !== gone));
    for (let s = 0; s < ring.slots; s++) {
      const before = ring.replicasOf(s);
      if (!before.includes(gone)) assert.deepEqual(left.replicasOf(s), before, `slot ${s} did not involve the member`);
      else assert.deepEqual(left.replicasOf(s).slice(0, 2), before.filter((m) => m !== gone), 'the others keep their order; one new replica at the end');
    }
  });

  test('block leaders: each block has one, every member has a home block, and all nodes agree', () => {
    const leaders = ring.leaders();
    assert.ok(leaders.length > 1 && leaders.length <= members.length);
    for (const m of members) {
      const home = ring.homeBlockOf(m);
      assert.ok(home >= 0 && home < 256);
      assert.ok(leaders.includes(ring.leaderOf(home) as string));
    }
    assert.deepEqual(new Ring([...members].reverse()).leaders(), leaders);
  });
});
