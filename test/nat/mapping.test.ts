import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';

import { classifyMapping } from '../../src/nat/mapping.js';
import { probeMapping } from '../../src/nat/probe.js';
import { DH_25519 } from '../../src/crypto/noise/index.js';
import { StunBindingServer } from '../../src/stun/binding-server.js';
import { UdpDriver } from '../../src/transport/drivers/udp.js';
import { SessionEndpoint } from '../../src/transport/endpoint.js';
import { runParley } from '../cli/parley-process.js';

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const servers: UdpDriver[] = [];
after(async () => {
  for (const s of servers) await s.close();
});
const stunServer = async (): Promise<UdpDriver> => {
  const s = await UdpDriver.open({ endpoint: new SessionEndpoint({ staticKey: DH_25519.keyPairFrom(random(32)), random }), host: '127.0.0.1', shared: new StunBindingServer(), onEvent: () => undefined });
  servers.push(s);
  return s;
};

test('the mapping from the answers: the same address from every server, different ones, our own, none, one', () => {
  const local = ['10.0.0.2', '127.0.0.1'];
  assert.equal(classifyMapping([{ host: '203.0.113.9', port: 40000 }, { host: '203.0.113.9', port: 40000 }], local, 5000), 'endpoint-independent');
  assert.equal(classifyMapping([{ host: '203.0.113.9', port: 40000 }, { host: '203.0.113.9', port: 40001 }], local, 5000), 'endpoint-dependent');
  assert.equal(classifyMapping([{ host: '203.0.113.9', port: 40000 }, { host: '203.0.113.10', port: 40000 }], local, 5000), 'endpoint-dependent');
  assert.equal(classifyMapping([{ host: '10.0.0.2', port: 5000 }, { host: '10.0.0.2', port: 5000 }], local, 5000), 'no-nat');
  assert.equal(classifyMapping([{ host: '10.0.0.2', port: 5000 }, null], local, 5000), 'no-nat', 'one answer shows there is no NAT');
  assert.equal(classifyMapping([{ host: '203.0.113.9', port: 40000 }, null], local, 5000), 'unknown', 'one answer from behind a NAT says nothing of its mapping');
  assert.equal(classifyMapping([null, null], local, 5000), 'udp-blocked');
  assert.equal(classifyMapping([{ host: '10.0.0.2', port: 5001 }, { host: '10.0.0.2', port: 5001 }], local, 5000), 'endpoint-independent', 'our address but another port: a NAT that kept the address');
});

test('probing two STUN servers on loopback from one socket: both see it, no NAT; one silent server still classifies', { timeout: 20_000 }, async () => {
  const a = await stunServer();
  const b = await stunServer();
  const probe = await probeMapping([{ host: '127.0.0.1', port: a.local.port }, { host: '127.0.0.1', port: b.local.port }]);
  assert.equal(probe.behaviour, 'no-nat');
  assert.deepEqual(probe.answers.map((x) => x.reflexive), [{ host: '127.0.0.1', port: probe.localPort }, { host: '127.0.0.1', port: probe.localPort }]);
});

test('parley nat probe: the answers and the mapping as JSON; no server, or a bad one, is a usage error (2)', { timeout: 30_000 }, async () => {
  const a = await stunServer();
  const b = await stunServer();
  const r = await runParley(['nat', 'probe', '--stun', `udp:127.0.0.1:${a.local.port}`, '--stun', `udp:127.0.0.1:${b.local.port}`, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { behaviour: string; answers: { reflexive: { port: number } | null }[]; localPort: number };
  assert.equal(out.behaviour, 'no-nat');
  assert.ok(out.answers.every((x) => x.reflexive?.port === out.localPort));
  const text = await runParley(['nat', 'probe', '--stun', `udp:127.0.0.1:${a.local.port}`]);
  assert.match(text.stdout, /mapping: no-nat/);
  for (const bad of [['nat', 'probe'], ['nat', 'probe', '--stun', 'tcp:127.0.0.1:1'], ['nat', 'probe', '--stun', 'udp:127.0.0.1:1', '--port', 'x']]) {
    const u = await runParley(bad);
    assert.equal(u.code, 2, bad.join(' '));
    assert.match(u.stderr, /^parley nat probe|^parley: /);
  }
});
