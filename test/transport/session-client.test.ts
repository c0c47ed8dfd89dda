import assert from 'node:assert/strict';
import { mock, test } from 'node:test';

import { SESSION_UDP_WAIT_MS, SessionClient } from '../../src/transport/session-client.js';

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
