import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mock, test } from 'node:test';

import { DH_25519 } from '../../src/crypto/noise/index.js';
import { UdpDriver } from '../../src/transport/drivers/udp.js';
import { SessionEndpoint } from '../../src/transport/endpoint.js';
import { SESSION_RESEND_FIRST_MS, SESSION_UDP_WAIT_MS, SessionClient } from '../../src/transport/session-client.js';
import { decodeMessage, encodeMessage } from '../../src/wire/index.js';

test('a connection attempt that fails before its handshake leaves nothing behind: no rejection after it (which would end a daemon), no timer', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => void unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    // The driver refuses the peer's key as the session starts, after the handshake's timer was set.
    await assert.rejects(SessionClient.connect(new Uint8Array(5), [{ transport: 'udp', host: '127.0.0.1', port: 9 }]), { code: 'UNREACHABLE', message: /static key is 32 bytes/ });
    // The handshake's wait runs out: nothing may fire.
    mock.timers.tick(SESSION_UDP_WAIT_MS + 1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, []);
  } finally {
    mock.timers.reset();
    process.off('unhandledRejection', onUnhandled);
  }
});

test('an idempotent request over UDP is sent again while no reply comes: a lost first copy costs a second, not the timeout; any other request is sent once', { timeout: 30_000 }, async () => {
  const serverKey = DH_25519.keyPairFrom(randomBytes(32));
  const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
  // A server that loses the first copy of every request (as a lossy path would), and answers the others.
  const copies = new Map<number, number>();
  const server: UdpDriver = await UdpDriver.open({
    endpoint: new SessionEndpoint({ staticKey: serverKey, random }),
    host: '127.0.0.1',
    onEvent: (e) => {
      if (e.type !== 'message') return;
      const m = decodeMessage(e.payload);
      if (!m.ok) return;
      const n = (copies.get(m.value.requestId) ?? 0) + 1;
      copies.set(m.value.requestId, n);
      if (n >= 2) server.send(e.session, encodeMessage({ command: m.value.command + 1, requestId: m.value.requestId, objects: [] }));
    },
  });
  const client = await SessionClient.connect(serverKey.publicKey, [{ transport: 'udp', host: '127.0.0.1', port: server.local.port }]);
  try {
    // Answered within its timeout although the first copy was lost: only a copy sent again was answered.
    const reply = await client.request({ command: 0x40, objects: [] }, 4 * SESSION_RESEND_FIRST_MS, true);
    assert.equal(reply.command, 0x41);
    await assert.rejects(client.request({ command: 0x50, objects: [] }, 2_500), { code: 'TIMEOUT' });
    assert.deepEqual([...copies.values()].sort(), [1, 2], 'the idempotent request came twice (then was answered), the other once');
  } finally {
    await client.close();
    await server.close();
  }
});
