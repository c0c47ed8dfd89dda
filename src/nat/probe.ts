/**
 * Probes this host's NAT mapping: one UDP socket asks each STUN binding server (supernodes answer
 * on their UDP port) for the address it sees, all at once, and the answers are classified
 * (mapping.ts). A driver: it owns the socket and the timers.
 */

import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { networkInterfaces } from 'node:os';

import type { StunAddress } from '../stun/attributes.js';
import { exchangeBinding } from '../stun/binding-exchange.js';
import { looksLikeStun } from '../stun/message.js';
import { classifyMapping, type MappingBehaviour } from './mapping.js';

/** What a probe found. */
export interface MappingProbe {
  readonly localPort: number;
  /** Each server's answer, in the order asked (null: no answer). */
  readonly answers: readonly { readonly server: StunAddress; readonly reflexive: StunAddress | null }[];
  readonly behaviour: MappingBehaviour;
}

/** Asks every server from one IPv4 socket (bound to `localPort`, default any). */
export async function probeMapping(servers: readonly StunAddress[], localPort = 0): Promise<MappingProbe> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(localPort, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', () => undefined);
  try {
    const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
    const exchanges = servers.map((s) => exchangeBinding((bytes) => socket.send(bytes, s.port, s.host), random));
    socket.on('message', (msg) => {
      const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      if (looksLikeStun(bytes)) for (const e of exchanges) e.offer(bytes);
    });
    const reflexive = await Promise.all(exchanges.map((e) => e.result));
    const port = socket.address().port;
    const hosts = Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((i) => i.address));
    return { localPort: port, answers: servers.map((server, i) => ({ server, reflexive: reflexive[i] ?? null })), behaviour: classifyMapping(reflexive, hosts, port) };
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
