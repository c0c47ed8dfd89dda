/**
 * Connectivity checks in ICE's manner (RFC 8445), for a session that is already up (usually
 * through a supernode's relay): each device sends its address candidates on the session, and both
 * then send probes, on the session's keys, to every candidate of the other at once (a simultaneous
 * open: each side's probes open its own NAT for the other's). A probe answered proves the path
 * both ways; the device moves its session there and says so (peer-path). Probes keep going a
 * few rounds after the first answer (the other side's NAT may still need them), and a run ends
 * after CHECK_DURATION_MS.
 *
 * Order: RFC 8445's candidate priority, 2^24 * type preference + 2^8 * local preference + 255
 * (one component), with the RFC's type preferences (host 126, peer-reflexive 110,
 * server-reflexive 100) and the local preference falling with the candidate's place in the
 * offer (which puts IPv4 first, candidates.ts). Peer-reflexive candidates are the addresses probes
 * arrive from that were not offered (a NAT's mapping for this very peer); they are checked first.
 */

import { dialOrder } from './candidates.js';

/** Probes leave at most this often (RFC 8445's Ta is 50 ms for a whole agent; a device checks one peer at a time). */
export const CHECK_PACE_MS = 10;
/** A run probes for at most this long. */
export const CHECK_DURATION_MS = 5_000;
/** Rounds of probes to every candidate after the first answer. */
export const CHECK_ROUNDS_AFTER_SUCCESS = 3;
/** Candidates of the other device checked at most. */
export const CHECK_CANDIDATES_MAX = 12;

/** RFC 8445 type preferences. */
export const TYPE_PREFERENCE = { host: 126, 'peer-reflexive': 110, 'server-reflexive': 100 } as const;
export type CandidateType = keyof typeof TYPE_PREFERENCE;

/** One address to check. */
export interface CheckCandidate {
  readonly host: string;
  readonly port: number;
  readonly type: CandidateType;
  readonly priority: number;
}

/** RFC 8445 section 5.1.2.1, one component. */
export const candidatePriority = (type: CandidateType, localPreference: number): number => 2 ** 24 * TYPE_PREFERENCE[type] + 2 ** 8 * localPreference + 255;

/** The candidates an offer names, highest priority first (IPv6 ones only where this device has IPv6). */
export function checkOrder(offer: { host: readonly string[]; reflexive: readonly string[] }, options: { ipv6: boolean }): CheckCandidate[] {
  const out: CheckCandidate[] = [];
  const add = (texts: readonly string[], type: CandidateType): void => {
    dialOrder(texts, options).forEach((a, i) => out.push({ ...a, type, priority: candidatePriority(type, 65_535 - i) }));
  };
  add(offer.host, 'host');
  add(offer.reflexive, 'server-reflexive');
  const seen = new Set<string>();
  return out
    .sort((a, b) => b.priority - a.priority)
    .filter((c) => {
      const k = `${c.host}/${c.port}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .slice(0, CHECK_CANDIDATES_MAX);
}

/** One run of checks to one device: probes paced over its candidates until it ends. */
export class CheckRun {
  private readonly candidates: CheckCandidate[];
  private next = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly endsAt: number;
  private roundsLeft: number | null = null;
  private stopped = false;

  /** `probe(candidate)` sends one probe; `ended()` is called once, when the run stops. */
  constructor(
    candidates: readonly CheckCandidate[],
    private readonly probe: (c: CheckCandidate) => void,
    private readonly ended: () => void,
    private readonly clock: () => number = Date.now,
  ) {
    this.candidates = [...candidates];
    this.endsAt = clock() + CHECK_DURATION_MS;
    if (this.candidates.length === 0) queueMicrotask(() => this.stop());
    else this.tick();
  }

  /** A probe came from an address not offered: it is checked first from now on. */
  addPeerReflexive(host: string, port: number): void {
    if (this.stopped || this.candidates.some((c) => c.host === host && c.port === port)) return;
    this.candidates.unshift({ host, port, type: 'peer-reflexive', priority: candidatePriority('peer-reflexive', 65_535) });
    if (this.candidates.length > CHECK_CANDIDATES_MAX + 4) this.candidates.pop();
    this.next = 0;
  }

  /** A probe was answered: a few more rounds, then the run ends. */
  succeeded(): void {
    if (this.roundsLeft === null) this.roundsLeft = CHECK_ROUNDS_AFTER_SUCCESS * this.candidates.length;
  }

  private tick(): void {
    this.timer = null;
    if (this.clock() >= this.endsAt || this.roundsLeft === 0) return this.stop();
    const c = this.candidates[this.next % this.candidates.length] as CheckCandidate;
    this.next++;
    if (this.roundsLeft !== null) this.roundsLeft--;
    this.probe(c);
    this.timer = setTimeout(() => this.tick(), CHECK_PACE_MS);
    this.timer.unref();
  }

  /** Ends the run now (`ended` is called once). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.ended();
  }
}
