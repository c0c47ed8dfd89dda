import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { HOST_CACHE_MAX, HostCache, loadHostCache, saveHostCache } from '../../src/overlay/host-cache.js';
import { Prng } from '../../src/util/prng.js';

const root = mkdtempSync(join(tmpdir(), 'parley-hostcache-'));
after(() => rmSync(root, { recursive: true, force: true }));
const rng = new Prng(200);
const id = (): string => Buffer.from(rng.bytes(32)).toString('hex');

test('ranking: fast before slow before unknown; recent failures push a supernode back, and are forgiven later', () => {
  const c = new HostCache();
  const [fast, slow, unknown, flaky] = [id(), id(), id(), id()];
  for (const x of [fast, slow, unknown, flaky]) c.add(x, ['udp:192.0.2.1:33034'], 0);
  c.reached(fast, 20, 1);
  c.reached(slow, 120, 1);
  c.reached(flaky, 5, 1);
  c.failed(flaky, 2);
  assert.deepEqual(c.best(3, 3).map((h) => h.id), [fast, slow, unknown]);
  assert.deepEqual(c.best(1, 3, new Set([fast])).map((h) => h.id), [slow]);
  assert.equal(c.ranked(2 + 11 * 60_000)[0]?.id, flaky, 'ten minutes later its failure is forgiven');
});

test(`at most ${HOST_CACHE_MAX} supernodes: the worst goes; bad ids and endpoints are not taken`, () => {
  const c = new HostCache();
  const failing = id();
  c.add(failing, ['udp:192.0.2.1:1'], 0);
  c.failed(failing, 0);
  for (let i = 0; i < HOST_CACHE_MAX; i++) c.add(id(), [`udp:192.0.2.2:${i + 1}`], 0);
  assert.equal(c.size, HOST_CACHE_MAX);
  assert.ok(!c.ranked(1).some((h) => h.id === failing));
  const d = new HostCache();
  d.add('not hex', ['udp:192.0.2.1:1'], 0);
  d.add(id(), ['ftp:192.0.2.1:1'], 0);
  assert.equal(d.size, 0);
});

test('saved and read back; a damaged file gives an empty cache and says why; bad entries are skipped', () => {
  const c = new HostCache();
  const a = id();
  c.add(a, ['udp:[2001:db8::1]:33034', 'tcp:192.0.2.1:443'], 0);
  c.reached(a, 42, 5);
  const path = join(root, 'hosts.json');
  saveHostCache(path, c);
  const back = loadHostCache(path);
  assert.deepEqual(back.problems, []);
  assert.deepEqual(back.cache.ranked(6)[0], c.ranked(6)[0]);
  writeFileSync(path, '{"version": 1, "hosts": [');
  const broken = loadHostCache(path);
  assert.equal(broken.cache.size, 0);
  assert.match(broken.problems[0] ?? '', /hosts\.json/);
  const mixed = HostCache.fromJSON({ version: 1, hosts: [{ id: a, endpoints: ['udp:192.0.2.1:1'] }, { id: 'x', endpoints: [] }, 7] });
  assert.equal(mixed.cache.size, 1);
  assert.deepEqual(mixed.problems, ['entry 1 skipped', 'entry 2 skipped']);
  assert.ok(!readFileSync(path, 'utf8').includes('tmp'));
  assert.deepEqual(loadHostCache(join(root, 'absent.json')).problems, []);
});
