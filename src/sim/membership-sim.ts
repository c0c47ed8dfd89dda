/**
 * Many supernodes' membership protocol on one MessageNetwork: a CA, supernode certificates, a
 * certificate check shared by the simulated nodes (each certificate is verified once per run,
 * not once per node: the simulation measures messages, not CPU), and helpers to start, kill,
 * restart and inspect members. Used by the tests and by `parley bench directory`.
 */

import { signingKeyFromSeed } from '../crypto/ed25519.js';
import { issueCertificate, verifyCertificate } from '../login/certificate.js';
import { MembershipMember, type MembershipLimits } from '../overlay/membership/member.js';
import { RingCache } from '../overlay/ring.js';
import type { CertificateCheck, MemberEntry } from '../overlay/membership/table.js';
import { Prng } from '../util/prng.js';
import { MessageNetwork, type SimLinks, type SimNode } from './message-network.js';

/** The network name of simulated supernodes. */
export const SIM_NETWORK = 'sim';
/** Validity of simulated supernode certificates: longer than any run. */
const SIM_CERT_VALIDITY_MS = 365 * 24 * 60 * 60 * 1000;

/** A simulated supernode's identity. */
export interface SimSupernode {
  readonly id: string;
  readonly idBytes: Uint8Array;
  readonly certificate: Uint8Array;
  incarnation: number;
}

/** A run of simulated supernodes. */
export class MembershipSim {
  readonly net: MessageNetwork;
  readonly members = new Map<string, MembershipMember>();
  readonly identities: SimSupernode[] = [];
  private readonly rng: Prng;
  protected readonly ca = signingKeyFromSeed(new Uint8Array(32).fill(7));
  readonly check: CertificateCheck;
  /** One ring cache for every simulated table (see RingCache). */
  private readonly rings = new RingCache();

  constructor(
    readonly seed: number,
    links: SimLinks,
    private readonly limits: Partial<MembershipLimits> = {},
  ) {
    this.rng = new Prng(seed);
    this.net = new MessageNetwork(seed + 1, links);
    const verified = new Map<string, boolean>();
    const caKey = this.ca.publicKey;
    this.check = (certificate, id, now) => {
      const key = `${id}:${Buffer.from(certificate).toString('base64')}`;
      let ok = verified.get(key);
      if (ok === undefined) {
        const c = verifyCertificate(certificate, caKey, SIM_NETWORK, now);
        ok = c.ok && c.body.kind === 'supernode' && Buffer.from(c.body.noiseKey).toString('hex') === id;
        verified.set(key, ok);
      }
      return ok;
    };
  }

  /** A new supernode identity with a CA certificate. */
  identity(): SimSupernode {
    const idBytes = this.rng.bytes(32);
    const id = Buffer.from(idBytes).toString('hex');
    const certificate = issueCertificate(this.ca, { kind: 'supernode', network: SIM_NETWORK, noiseKey: idBytes, notBefore: 0, notAfter: SIM_CERT_VALIDITY_MS, serial: this.identities.length + 1, endpoints: [`udp:10.0.${this.identities.length >> 8}.${this.identities.length & 255}:4000`] });
    const s = { id, idBytes, certificate, incarnation: 0 };
    this.identities.push(s);
    return s;
  }

  /** The node the network runs for a member (the member itself; a subclass adds services). */
  protected wrap(member: MembershipMember, _identity: SimSupernode): SimNode {
    return member;
  }

  /** Starts a supernode now, joining through `bootstrap` (none: the first), or from a saved table. */
  start(s: SimSupernode, bootstrap: readonly string[], saved: readonly MemberEntry[] = []): MembershipMember {
    const m = new MembershipMember({ id: s.idBytes, certificate: s.certificate, incarnation: s.incarnation }, this.check, new Prng(this.rng.u32()), { limits: this.limits, rings: this.rings });
    this.members.set(s.id, m);
    m.start(this.net.now, bootstrap, saved);
    this.net.add(this.wrap(m, s));
    return m;
  }

  /**
   * Starts `n` new supernodes at once, each from the same saved table naming all of them alive
   * (as if the network had been running): no join traffic, for measuring the steady state.
   */
  startWarm(n: number): SimSupernode[] {
    const nodes = Array.from({ length: n }, () => this.identity());
    const saved: MemberEntry[] = nodes.map((s) => ({ id: s.id, incarnation: 0, state: 'alive', certificate: s.certificate, changedAt: this.net.now }));
    for (const s of nodes) this.start(s, [], saved);
    return nodes;
  }

  /** Crashes a supernode. */
  kill(id: string): void {
    this.members.delete(id);
    this.net.kill(id);
  }

  /** Restarts a crashed supernode with a higher incarnation (as one that persisted its last would). */
  restart(s: SimSupernode, bootstrap: readonly string[]): MembershipMember {
    s.incarnation++;
    return this.start(s, bootstrap);
  }

  /** Runs for `ms` more virtual milliseconds. */
  runFor(ms: number): void {
    this.net.run(this.net.now + ms);
  }

  /** Whether every running member's table has exactly `expected` alive. */
  agree(expected: readonly string[]): boolean {
    const want = [...expected].sort().join();
    for (const m of this.members.values()) if (m.table.alive().join() !== want) return false;
    return true;
  }

  /** Runs in steps of `stepMs` until `done()` or `maxMs`; the virtual time it took, or null. */
  runUntil(done: () => boolean, maxMs: number, stepMs = 100): number | null {
    const start = this.net.now;
    while (this.net.now - start < maxMs) {
      if (done()) return this.net.now - start;
      this.runFor(stepMs);
    }
    return done() ? this.net.now - start : null;
  }
}
