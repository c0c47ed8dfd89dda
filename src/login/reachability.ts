/**
 * Open mode's check that a would-be supernode is publicly reachable: a new secure session, from
 * a socket of its own (another port of this host, or a prober elsewhere), to the key at each
 * claimed UDP endpoint. A handshake that completes proves the endpoint answers packets nobody
 * behind it asked for: not a NAT mapping opened by the candidate's own request, which a
 * restricted NAT would keep closed to a new source. A driver (a real socket and timer), called by
 * the login server; the dispatcher only sees the `probe` function it is given.
 */

import { randomBytes } from 'node:crypto';

import { DH_25519 } from '../crypto/noise/index.js';
import { UdpDriver } from '../transport/drivers/udp.js';
import { SessionEndpoint } from '../transport/endpoint.js';
import { parseServerEndpoint } from './network-file.js';

/** How long the probe waits for a handshake at one endpoint. */
export const REACHABILITY_TIMEOUT_MS = 3_000;

/** Whether `key` answers a fresh session at one of its UDP `endpoints`. */
export async function probeReachable(key: Uint8Array, endpoints: readonly string[], timeoutMs = REACHABILITY_TIMEOUT_MS): Promise<boolean> {
  for (const text of endpoints) {
    const e = parseServerEndpoint(text);
    if (e?.transport !== 'udp') continue;
    let done: (ok: boolean) => void = () => {};
    const result = new Promise<boolean>((resolve) => (done = resolve));
    const endpoint = new SessionEndpoint({ staticKey: DH_25519.keyPairFrom(new Uint8Array(randomBytes(32))), random: (n) => new Uint8Array(randomBytes(n)) });
    const driver = await UdpDriver.open({ endpoint, host: e.host.includes(':') ? '::' : '0.0.0.0', onEvent: (ev) => (ev.type === 'established' ? done(true) : ev.type === 'closed' ? done(false) : undefined) });
    const timer = setTimeout(() => done(false), timeoutMs);
    try {
      driver.connect(key, e.host, e.port);
      if (await result) return true;
    } finally {
      clearTimeout(timer);
      await driver.close();
    }
  }
  return false;
}
