/** A STUN binding server for the NAT lab's internet: `node stun-responder.js HOST PORT`; prints "ready" once bound. */

import { randomBytes } from 'node:crypto';

import { DH_25519 } from '../../src/crypto/noise/index.js';
import { StunBindingServer } from '../../src/stun/binding-server.js';
import { UdpDriver } from '../../src/transport/drivers/udp.js';
import { SessionEndpoint } from '../../src/transport/endpoint.js';

const [host = '', port = ''] = process.argv.slice(2);
const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
await UdpDriver.open({ endpoint: new SessionEndpoint({ staticKey: DH_25519.keyPairFrom(random(32)), random }), host, port: Number(port), shared: new StunBindingServer(), onEvent: () => undefined });
process.stdout.write('ready\n');
