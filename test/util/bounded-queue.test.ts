import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BoundedQueue } from '../../src/util/bounded-queue.js';

test('first in, first out; a full queue drops its oldest and counts it; draining a long queue keeps order', () => {
  const q = new BoundedQueue<number>(3);
  for (const n of [1, 2, 3, 4]) q.push(n);
  assert.equal(q.dropped, 1);
  assert.equal(q.length, 3);
  assert.deepEqual([q.shift(), q.shift(), q.shift(), q.shift()], [2, 3, 4, undefined]);
  const long = new BoundedQueue<number>(100_000);
  for (let i = 0; i < 50_000; i++) long.push(i);
  let expected = 0;
  for (let x = long.shift(); x !== undefined; x = long.shift()) assert.equal(x, expected++);
  assert.equal(expected, 50_000);
  long.push(7);
  assert.equal(long.shift(), 7);
});
