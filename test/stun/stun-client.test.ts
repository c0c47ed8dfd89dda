import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';

import { DH_25519 } from '../../src/crypto/noise/index.js';
import { StunBindingServer } from '../../src/stun/binding-server.js';
import { UdpDriver } from '../../src/transport/drivers/udp.js';
import { SessionEndpoint, type SessionEvent } from '../../src/transport/endpoint.js';

const run = promisify(execFile);
const STUN_CLIENT = 'turnutils_stunclient';
const hasClient = spawnSync('sh', ['-c', `command -v ${STUN_CLIENT}`]).status === 0;
const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

describe('STUN binding and Parley sessions on one UDP port', { skip: hasClient ? false : `${STUN_CLIENT} is not installed (Debian package coturn; .ci/run installs it)` }, () => {
  test("coturn's turnutils_stunclient learns its reflexive address over IPv4 and IPv6, while a Parley session on the same port echoes", { timeout: 60_000 }, async () => {
    const serverKey = DH_25519.keyPairFrom(random(32));
    const stun = new StunBindingServer();
    let server: UdpDriver | null = null;
    server = await UdpDriver.open({
      endpoint: new SessionEndpoint({ staticKey: serverKey, random }),
      host: '::',
      shared: stun,
      onEvent: (e: SessionEvent) => {
        if (e.type === 'message') server?.send(e.session, e.payload);
      },
    });
    let echoed: (text: string) => void = () => {};
    const client = await UdpDriver.open({
      endpoint: new SessionEndpoint({ staticKey: DH_25519.keyPairFrom(random(32)), random }),
      host: '127.0.0.1',
      onEvent: (e: SessionEvent) => {
        if (e.type === 'message') echoed(Buffer.from(e.payload).toString());
      },
    });
    try {
      const port = server.local.port;
      const session = client.connect(serverKey.publicKey, '127.0.0.1', port);
      const echo = new Promise<string>((resolve) => (echoed = resolve));
      client.send(session, Buffer.from('parley on the STUN port'));
      assert.equal(await echo, 'parley on the STUN port');

      const v4 = await run(STUN_CLIENT, ['-p', String(port), '127.0.0.1']);
      assert.match(v4.stdout, /UDP reflexive addr: 127\.0\.0\.1:\d+/);
      const v6 = await run(STUN_CLIENT, ['-p', String(port), '::1']);
      assert.match(v6.stdout, /UDP reflexive addr: ::1:\d+/);
      assert.ok(stun.stats.answered >= 2, JSON.stringify(stun.stats));

      // The session still works after the STUN traffic.
      const again = new Promise<string>((resolve) => (echoed = resolve));
      client.send(session, Buffer.from('still here'));
      assert.equal(await again, 'still here');
    } finally {
      await client.close();
      await server.close();
    }
  });
});
