/**
 * Supernodes with the directory on top of membership, and clients attached to them, on one
 * simulated network: the real DirectoryNode and MembershipMember code per supernode, and clients
 * that publish signed records, look users up, and verify every record they receive (as the
 * client daemon will). Used by the tests and by `parley bench directory`.
 */

import { signingKeyFromSeed, type SigningKey } from '../crypto/ed25519.js';
import { issueCertificate } from '../login/certificate.js';
import { DirectoryNode, type DirectoryLimits } from '../overlay/directory/directory-node.js';
import { DirectoryError, Lookup, LookupResult, Publish, Published, RecordChanged, RecordSet, Watch } from '../overlay/directory/messages.js';
import type { MembershipMember, MembershipLimits } from '../overlay/membership/member.js';
import { signUserRecord, supersedes, verifyUserRecord, type VerifiedUserRecord } from '../overlay/user-record.js';
import { Prng } from '../util/prng.js';
import { decodeMessage, encodeMessage } from '../wire/index.js';
import { MembershipSim, SIM_NETWORK, type SimSupernode } from './membership-sim.js';
import type { SimLinks, SimNode } from './message-network.js';

/** Command ranges (membership.ts and directory messages.ts). */
const MEMBERSHIP_COMMANDS = [0x0210, 0x021f] as const;
const DIRECTORY_PEER_COMMANDS = [0x0220, 0x022f] as const;

/** A supernode on the simulated network: membership and directory, routed by command. */
export class SimSupernodeNode implements SimNode {
  readonly id: string;
  /** When set, this supernode answers record gets with altered bytes (a forging replica). */
  forge = false;
  /** When set, this supernode answers record gets with these (older, validly signed) records instead (a stale replica). */
  stale: Map<string, Uint8Array[]> | null = null;
  /** When set, this supernode alters the records in the lookup results it gives its own clients. */
  forgeToClients = false;

  constructor(
    readonly membership: MembershipMember,
    readonly directory: DirectoryNode,
  ) {
    this.id = membership.id;
  }

  handle(from: string, bytes: Uint8Array, now: number): void {
    const m = decodeMessage(bytes);
    if (!m.ok) return;
    const c = m.value.command;
    if (c >= MEMBERSHIP_COMMANDS[0] && c <= MEMBERSHIP_COMMANDS[1]) {
      this.membership.handle(from, bytes, now);
      if (this.membership.takeChanges().length > 0) this.directory.membershipChanged(now);
    } else if (c >= DIRECTORY_PEER_COMMANDS[0] && c <= DIRECTORY_PEER_COMMANDS[1]) {
      this.directory.handlePeer(from, bytes, now);
    } else {
      this.directory.handleClient(from, bytes, now);
    }
  }

  handleTimeout(now: number): void {
    this.membership.handleTimeout(now);
    if (this.membership.takeChanges().length > 0) this.directory.membershipChanged(now);
    this.directory.handleTimeout(now);
  }

  nextDeadline(): number | null {
    const a = this.membership.nextDeadline();
    const b = this.directory.nextDeadline();
    return a === null ? b : b === null ? a : Math.min(a, b);
  }

  poll(): { to: string; bytes: Uint8Array } | null {
    const m = this.membership.poll();
    if (m) return m;
    const d = this.directory.poll();
    if (!d) return null;
    const to = 'peer' in d.to ? d.to.peer : d.to.client;
    if ('peer' in d.to && (this.forge || this.stale)) return { to, bytes: this.tamper(d.bytes) };
    if ('client' in d.to && this.forgeToClients) return { to, bytes: forgeLookupResult(d.bytes) };
    return { to, bytes: d.bytes };
  }

  /** A misbehaving replica's answers: every record in a record set altered, or replaced by an older one. */
  private tamper(bytes: Uint8Array): Uint8Array {
    const m = decodeMessage(bytes);
    const set = m.ok ? RecordSet.fromMessage(m.value) : null;
    if (!m.ok || !set?.ok) return bytes;
    const { accountKey } = set.value;
    let records = set.value.records;
    if (this.stale?.has(accountKey)) records = this.stale.get(accountKey) ?? [];
    else if (this.forge) records = records.map(alter);
    return encodeMessage(RecordSet.toMessage({ accountKey, records }, m.value.requestId), { compressed: true });
  }
}

/** One byte of a record changed (inside the signed body, so the signature no longer matches). */
function alter(record: Uint8Array): Uint8Array {
  const altered = Uint8Array.from(record);
  altered[altered.length - 70] = (altered[altered.length - 70] as number) ^ 0x01;
  return altered;
}

function forgeLookupResult(bytes: Uint8Array): Uint8Array {
  const m = decodeMessage(bytes);
  const r = m.ok ? LookupResult.fromMessage(m.value) : null;
  if (!m.ok || !r?.ok) return bytes;
  return encodeMessage(LookupResult.toMessage({ records: r.value.records.map(alter) }, m.value.requestId), { compressed: true });
}

/** One lookup as a client saw it. */
export interface LookupOutcome {
  readonly username: string;
  readonly startedAt: number;
  /** Virtual ms until the answer, or null if none came. */
  latencyMs: number | null;
  /** Verified records received. */
  records: VerifiedUserRecord[];
  /** Records received that failed the client's own verification. */
  rejected: number;
  error: string | null;
}

/** A client device attached to one supernode. */
export class SimClient implements SimNode {
  private nextRequest = 1;
  private seq = 0;
  private readonly pending = new Map<number, LookupOutcome | { publish: true; resolve: (stored: number) => void }>();
  /** The newest sequence number this client has seen per device (it never goes back). */
  private readonly newest = new Map<string, number>();
  private readonly outbox: { to: string; bytes: Uint8Array }[] = [];
  readonly outcomes: LookupOutcome[] = [];
  readonly published: number[] = [];
  /** Record changes pushed for watched users (verified). */
  readonly changes: VerifiedUserRecord[] = [];

  constructor(
    readonly id: string,
    readonly username: string,
    public supernode: string,
    private readonly key: SigningKey,
    readonly deviceId: Uint8Array,
    private readonly certificate: Uint8Array,
    private readonly caPublicKey: Uint8Array,
  ) {}

  /** Signs and publishes this device's record (next sequence number). */
  publish(now: number, presence: 'online' | 'away' | 'busy' | 'offline' = 'online'): Uint8Array {
    const record = signUserRecord(this.key, {
      network: SIM_NETWORK,
      accountKey: this.username,
      deviceId: this.deviceId,
      certificate: this.certificate,
      presence,
      supernodes: [Buffer.from(this.supernode, 'hex')],
      candidates: [],
      seq: ++this.seq,
      issuedAt: now,
      ttlMs: 10 * 60_000,
    });
    const id = this.nextRequest++;
    this.pending.set(id, { publish: true, resolve: (stored) => this.published.push(stored) });
    this.outbox.push({ to: this.supernode, bytes: encodeMessage(Publish.toMessage({ record }, id), { compressed: true }) });
    return record;
  }

  /** Looks a user up. */
  lookup(username: string, now: number): LookupOutcome {
    const id = this.nextRequest++;
    const outcome: LookupOutcome = { username, startedAt: now, latencyMs: null, records: [], rejected: 0, error: null };
    this.pending.set(id, outcome);
    this.outcomes.push(outcome);
    this.outbox.push({ to: this.supernode, bytes: encodeMessage(Lookup.toMessage({ username }, id), { compressed: true }) });
    return outcome;
  }

  /** Asks to be told of `username`'s record changes. */
  watch(username: string): void {
    this.outbox.push({ to: this.supernode, bytes: encodeMessage(Watch.toMessage({ username }, this.nextRequest++), { compressed: true }) });
  }

  handle(_from: string, bytes: Uint8Array, now: number): void {
    const m = decodeMessage(bytes);
    if (!m.ok) return;
    const pushed = RecordChanged.fromMessage(m.value);
    if (pushed.ok) {
      const v = verifyUserRecord(pushed.value.record, { caPublicKey: this.caPublicKey, network: SIM_NETWORK, now });
      if (v.ok) this.changes.push(v.record);
      return;
    }
    const p = this.pending.get(m.value.requestId);
    if (!p) return;
    this.pending.delete(m.value.requestId);
    if ('publish' in p) {
      const r = Published.fromMessage(m.value);
      p.resolve(r.ok ? r.value.stored : 0);
      return;
    }
    p.latencyMs = now - p.startedAt;
    const e = DirectoryError.fromMessage(m.value);
    if (e.ok) {
      p.error = e.value.code;
      return;
    }
    const r = LookupResult.fromMessage(m.value);
    if (!r.ok) {
      p.error = 'MALFORMED';
      return;
    }
    for (const bytes of r.value.records) {
      const v = verifyUserRecord(bytes, { caPublicKey: this.caPublicKey, network: SIM_NETWORK, now });
      const key = v.ok ? `${v.record.body.accountKey}/${Buffer.from(v.record.body.deviceId).toString('hex')}` : '';
      if (!v.ok || v.record.body.accountKey !== p.username || (this.newest.get(key) ?? -1) > v.record.body.seq) {
        p.rejected++;
        continue;
      }
      this.newest.set(key, v.record.body.seq);
      p.records.push(v.record);
    }
  }

  /** Remembers a record as seen (for rollback checks), as after an earlier lookup. */
  remember(r: VerifiedUserRecord): void {
    const key = `${r.body.accountKey}/${Buffer.from(r.body.deviceId).toString('hex')}`;
    if (supersedes(r, null)) this.newest.set(key, Math.max(this.newest.get(key) ?? -1, r.body.seq));
  }

  handleTimeout(): void {}

  nextDeadline(): number | null {
    return null;
  }

  poll(): { to: string; bytes: Uint8Array } | null {
    return this.outbox.shift() ?? null;
  }
}

/** Supernodes with the directory, and clients. */
export class OverlaySim extends MembershipSim {
  readonly supernodes = new Map<string, SimSupernodeNode>();
  readonly clients: SimClient[] = [];
  private readonly clientRng: Prng;

  constructor(
    seed: number,
    links: SimLinks,
    limits: Partial<MembershipLimits> = {},
    private readonly directoryLimits: Partial<DirectoryLimits> = {},
  ) {
    super(seed, links, limits);
    this.clientRng = new Prng(seed * 31 + 5);
  }

  protected override wrap(member: MembershipMember, _identity: SimSupernode): SimNode {
    const directory = new DirectoryNode(member.id, member.table, { caPublicKey: this.ca.publicKey, network: SIM_NETWORK }, this.directoryLimits);
    const node = new SimSupernodeNode(member, directory);
    directory.membershipChanged(this.net.now);
    this.supernodes.set(member.id, node);
    return node;
  }

  override kill(id: string): void {
    super.kill(id);
    this.supernodes.delete(id);
  }

  /** A new client for `username`, attached to `supernode`, with a device certificate from the CA. */
  addClient(username: string, supernode: string): SimClient {
    const key = signingKeyFromSeed(this.clientRng.bytes(32));
    const deviceId = this.clientRng.bytes(16);
    const certificate = issueCertificate(this.ca, { kind: 'device', network: SIM_NETWORK, username, deviceId, noiseKey: this.clientRng.bytes(32), signingKey: key.publicKey, notBefore: 0, notAfter: 365 * 24 * 3_600_000, serial: 1_000_000 + this.clients.length, endpoints: [] });
    const client = new SimClient(`client-${this.clients.length}`, username, supernode, key, deviceId, certificate, this.ca.publicKey);
    this.clients.push(client);
    this.net.add(client);
    return client;
  }

  /** Lets a client's queued requests go out. */
  flush(client: SimClient): void {
    this.net.drain(client.id);
  }
}
