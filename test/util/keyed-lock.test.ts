import assert from 'node:assert/strict';
import { test } from 'node:test';

import { KeyedLock } from '../../src/util/keyed-lock.js';

test('work on one key runs one at a time in arrival order; other keys are not held up; nothing is kept after', async () => {
  const lock = new KeyedLock();
  const log: string[] = [];
  let releaseFirst = (): void => {};
  const first = lock.run('a', async () => {
    log.push('a1 start');
    await new Promise<void>((resolve) => (releaseFirst = resolve));
    log.push('a1 end');
    return 1;
  });
  const second = lock.run('a', () => {
    log.push('a2');
    return Promise.resolve(2);
  });
  const other = await lock.run('b', () => {
    log.push('b');
    return Promise.resolve(3);
  });
  assert.equal(other, 3);
  assert.deepEqual(log, ['a1 start', 'b'], 'b ran while a1 held key a; a2 waited');
  assert.equal(lock.size, 1);
  releaseFirst();
  assert.deepEqual(await Promise.all([first, second]), [1, 2]);
  assert.deepEqual(log, ['a1 start', 'b', 'a1 end', 'a2']);
  assert.equal(lock.size, 0);
});

test('a failing run releases the key for the next', async () => {
  const lock = new KeyedLock();
  await assert.rejects(lock.run('k', () => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await lock.run('k', () => Promise.resolve('next')), 'next');
  assert.equal(lock.size, 0);
});
