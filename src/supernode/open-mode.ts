/**
 * Open mode, the supernode's side: ask the network's login server for a supernode certificate.
 * The login server first reaches this key at the claimed endpoint from another socket, so while
 * it asks, a responder on the listening address answers that handshake; the supernode proper
 * starts once the certificate is in hand.
 */

import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { KeyPair } from '../crypto/noise/index.js';
import { LoginClient } from '../login/client.js';
import { parseServerEndpoint, type NetworkFile, type ServerAddress } from '../login/network-file.js';
import { UdpDriver } from '../transport/drivers/udp.js';
import { SessionEndpoint } from '../transport/endpoint.js';
import { SUPERNODE_CERT_FILE } from './identity.js';

/** Asks the login server for a certificate for `keyPair` at `endpoints`; saves it in `keyDir` and returns it. */
export async function obtainOpenCertificate(o: { network: NetworkFile; keyPair: KeyPair; keyDir: string; listen: { host: string; port: number }; endpoints: readonly string[] }): Promise<Uint8Array> {
  const entry = o.network.loginServers[0];
  if (!entry) throw new Error('network.json names no login server to ask');
  const responder = await UdpDriver.open({ endpoint: new SessionEndpoint({ staticKey: o.keyPair, random: (n) => new Uint8Array(randomBytes(n)) }), host: o.listen.host, port: o.listen.port, onEvent: () => {} });
  try {
    const addresses = entry.endpoints.map(parseServerEndpoint).filter((e): e is ServerAddress => e !== null);
    const client = await LoginClient.connect(new Uint8Array(Buffer.from(entry.staticKey, 'hex')), addresses, { staticKey: o.keyPair });
    try {
      const certificate = await client.requestSupernodeCertificate(o.endpoints);
      writeFileSync(join(o.keyDir, SUPERNODE_CERT_FILE), certificate);
      return certificate;
    } finally {
      await client.close();
    }
  } finally {
    await responder.close();
  }
}
