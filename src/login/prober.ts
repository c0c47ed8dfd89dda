/**
 * Open mode's second vantage point on another host: the login server asks a supernode (a
 * "prober", run by the operator elsewhere) to reach a would-be supernode's key at its claimed
 * endpoints. A probe from the login server's own host only shows that the endpoint takes a
 * packet from another port of an address the candidate has just talked to, which an
 * address-restricted NAT lets through; a probe from another host shows it takes packets from
 * anyone. The prober answers only sessions on one of network.json's login-server keys.
 *
 * Messages (0x0240-0x0241), over a session from the login server's key to the prober's.
 */

import { SessionClient, type SessionAddress } from '../transport/session-client.js';
import type { KeyPair } from '../crypto/noise/index.js';
import { bytes, defineMessage, defineProtocol, field, repeated, string, uint } from '../wire/schema.js';
import { REACHABILITY_TIMEOUT_MS } from './reachability.js';

/** Endpoints one probe tries at most (a certificate names few). */
export const PROBE_ENDPOINTS_MAX = 4;
/** Probes a prober runs at once; more are refused (`BUSY`). */
export const PROBES_IN_FLIGHT_MAX = 16;

/** Login server to prober: reach `key` at one of `endpoints` from here. */
export const ProbeRequest = defineMessage('probe-request', 0x0240, { key: field(1, bytes(32)), endpoints: repeated(2, string({ maxBytes: 64 })) });
/** Prober to login server: whether a handshake with the key completed at one of them (or why not asked). */
export const ProbeResult = defineMessage('probe-result', 0x0241, { reachable: field(1, uint({ max: 1 })), code: field(2, string({ maxBytes: 40 })) });
/** What a prober takes. */
export const PROBE_PROTOCOL = defineProtocol('probe', [ProbeRequest] as const);

/** A prober: its Noise key and addresses. */
export interface Prober {
  readonly key: Uint8Array;
  readonly addresses: readonly SessionAddress[];
}

/** A prober that could not be asked or refused to probe. */
export class ProberError extends Error {
  override readonly name = 'ProberError';
}

/**
 * Asks `prober`, on a session from the login server's key, whether `key` is reachable at one of
 * `endpoints`. Rejects (ProberError) when the prober cannot be reached or refuses.
 */
export async function probeVia(prober: Prober, loginKey: KeyPair, key: Uint8Array, endpoints: readonly string[]): Promise<boolean> {
  let session: SessionClient;
  try {
    session = await SessionClient.connect(prober.key, prober.addresses, { what: 'the prober', staticKey: loginKey, udpWaitMs: 2_000, tcpWaitMs: 2_000 });
  } catch (e) {
    throw new ProberError(`the prober could not be reached: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    const reply = await session.request(ProbeRequest.toMessage({ key, endpoints: endpoints.slice(0, PROBE_ENDPOINTS_MAX) }), REACHABILITY_TIMEOUT_MS * PROBE_ENDPOINTS_MAX + 2_000);
    const r = ProbeResult.fromMessage(reply);
    if (!r.ok) throw new ProberError(`the prober answered with command ${reply.command}`);
    if (r.value.code !== 'OK') throw new ProberError(`the prober refused: ${r.value.code}`);
    return r.value.reachable === 1;
  } catch (e) {
    throw e instanceof ProberError ? e : new ProberError(`the prober did not answer: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await session.close();
  }
}

/** Tries the probers in turn from a random one; rejects only when none could answer. */
export async function probeViaAny(probers: readonly Prober[], loginKey: KeyPair, key: Uint8Array, endpoints: readonly string[], random: (n: number) => number): Promise<boolean> {
  if (probers.length === 0) throw new ProberError('no prober is configured');
  const first = random(probers.length);
  const failures: string[] = [];
  for (let k = 0; k < probers.length; k++) {
    try {
      return await probeVia(probers[(first + k) % probers.length] as Prober, loginKey, key, endpoints);
    } catch (e) {
      failures.push(e instanceof Error ? e.message : String(e));
    }
  }
  throw new ProberError(`no prober answered (${failures.join('; ')})`);
}
