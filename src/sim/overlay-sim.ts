/**
 * Supernodes with the directory on top of membership, and clients attached to them, on one
 * simulated network: the real DirectoryNode and MembershipMember code per supernode, and clients
 * that publish signed records, look users up, and verify every record they receive (as the
 * client daemon will). Used by the tests and by `parley bench directory`.
 */

import { signingKeyFromSeed, type SigningKey } from '../crypto/ed25519.js';
import { issueCertificate } from '../login/certificate.js';
import { DirectoryNode, type DirectoryLimits } from '../overlay/directory/directory-node.js';
import { DirectoryError, Lookup, LookupResult, Publish, Published, RecordChanged, RecordSet, Unwatch, Watch } from '../overlay/directory/messages.js';
import type { MembershipMember, MembershipLimits } from '../overlay/membership/member.js';
import { MemoryOfflineStorage } from '../overlay/offline/memory-storage.js';
import { ForwardNode } from '../overlay/forward/forward-node.js';
import { Forward, Forwarded, ForwardResult } from '../overlay/forward/messages.js';
import { answerHello } from '../overlay/offline/hello.js';
import { Hello, OfflineAck, OfflineFetch, OfflineMessages, OfflineSend, OfflineSent } from '../overlay/offline/messages.js';
import { OfflineNode, type ClientIdentity, type OfflineLimits } from '../overlay/offline/offline-node.js';
import { signUserRecord, verifyUserRecord, type VerifiedUserRecord } from '../overlay/user-record.js';
import { Prng } from '../util/prng.js';
import { decodeMessage, encodeMessage } from '../wire/index.js';
import { routeOf } from '../overlay/routes.js';
import { MembershipSim, SIM_NETWORK, type SimSupernode } from './membership-sim.js';
import type { SimLinks, SimNode } from './message-network.js';


/** A supernode on the simulated network: membership and directory, routed by command. */
export class SimSupernodeNode implements SimNode {
  readonly id: string;
  /** When set, this supernode answers record gets with altered bytes (a forging replica). */
  forge = false;
  /** When set, this supernode answers record gets with these (older, validly signed) records instead (a stale replica). */
  stale: Map<string, Uint8Array[]> | null = null;
  /** When set, this supernode alters the records in the lookup results it gives its own clients. */
  forgeToClients = false;

  /** Client id -> who it said it is (hello with a device certificate from the CA). */
  private readonly identities = new Map<string, ClientIdentity>();
  /** Forwarding between devices, to the clients identified here. */
  readonly forward: ForwardNode;

  constructor(
    readonly membership: MembershipMember,
    readonly directory: DirectoryNode,
    readonly offline: OfflineNode,
    private readonly caPublicKey: Uint8Array,
  ) {
    this.id = membership.id;
    this.forward = new ForwardNode(membership.id, membership.table, (account, device) =>
      [...this.identities].filter(([, who]) => who.accountKey === account && Buffer.from(who.deviceId).equals(device)).map(([client]) => client),
    );
  }

  private hello(client: string, bytes: Uint8Array, now: number): void {
    const m = decodeMessage(bytes);
    if (!m.ok) return;
    // Simulated clients have no session keys: the certificate alone names them.
    const a = answerHello(m.value, { publicKey: this.caPublicKey, network: SIM_NETWORK }, now, 'unchecked');
    if (a.identity) this.identities.set(client, a.identity);
    this.helloReplies.push({ to: client, bytes: encodeMessage(a.reply, { compressed: true }) });
  }

  private readonly helloReplies: { to: string; bytes: Uint8Array }[] = [];

  handle(from: string, bytes: Uint8Array, now: number): void {
    const m = decodeMessage(bytes);
    if (!m.ok) return;
    switch (routeOf(m.value.command)) {
      case 'membership':
        this.membership.handle(from, bytes, now);
        this.afterMembership(now);
        break;
      case 'directory-peer':
        this.directory.handlePeer(from, bytes, now);
        break;
      case 'offline-peer':
        this.offline.handlePeer(from, bytes, now);
        break;
      case 'hello':
        this.hello(from, bytes, now);
        break;
      case 'offline-client':
        this.offline.handleClient(from, this.identities.get(from) ?? null, bytes, now);
        break;
      case 'directory-client':
      case null:
        this.directory.handleClient(from, bytes, now);
        break;
      case 'probe':
        // Simulated supernodes probe for no login server.
        break;
      case 'forward-peer':
        this.forward.handlePeer(from, bytes);
        break;
      case 'forward-client':
        this.forward.handleClient(from, this.identities.get(from) ?? null, bytes, now);
        break;
      case 'relay-client':
        // Relays are tested on supernode processes (test/client/relay.test.ts) and in the NAT lab.
        break;
    }
  }

  private afterMembership(now: number): void {
    if (this.membership.takeChanges().length === 0) return;
    this.directory.membershipChanged(now);
    this.offline.membershipChanged(now);
  }

  handleTimeout(now: number): void {
    this.membership.handleTimeout(now);
    this.afterMembership(now);
    this.directory.handleTimeout(now);
    this.offline.handleTimeout(now);
  }

  nextDeadline(): number | null {
    const ds = [this.membership.nextDeadline(), this.directory.nextDeadline(), this.offline.nextDeadline()].filter((d): d is number => d !== null);
    return ds.length > 0 ? Math.min(...ds) : null;
  }

  poll(): { to: string; bytes: Uint8Array } | null {
    const m = this.membership.poll() ?? this.helloReplies.shift();
    if (m) return m;
    const o = this.offline.poll() ?? this.forward.poll();
    if (o) return { to: 'peer' in o.to ? o.to.peer : o.to.client, bytes: o.bytes };
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
  private readonly pending = new Map<number, LookupOutcome | { publish: true; resolve: (stored: number) => void } | { offline: 'send' | 'fetch' } | { forward: true }>();
  /** The newest sequence number this client has seen per device (it never goes back). */
  private readonly newest = new Map<string, number>();
  private readonly outbox: { to: string; bytes: Uint8Array }[] = [];
  readonly outcomes: LookupOutcome[] = [];
  readonly published: number[] = [];
  /** Record changes pushed for watched users (verified). */
  readonly changes: VerifiedUserRecord[] = [];
  /** Answers to sendOffline: replicas that stored it, and the refusal code if none did. */
  readonly offlineSent: { stored: number; replicas: number; code?: string }[] = [];
  /** Messages fetched (each fetch's answer appended). */
  readonly inbox: { id: Uint8Array; sender: string; blob: Uint8Array }[] = [];
  /** Codes of refusals to offline requests. */
  readonly offlineErrors: string[] = [];
  /** Blobs forwarded to this device, with who its supernode said sent them. */
  readonly forwarded: { sender: string; blob: Uint8Array }[] = [];
  /** Answers to forward: supernodes it went to, or the refusal's code. */
  readonly forwardResults: (number | string)[] = [];

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

  /** Says who this client is (its device certificate); needed before offline messages. */
  hello(): void {
    this.outbox.push({ to: this.supernode, bytes: encodeMessage(Hello.toMessage({ certificate: this.certificate }, this.nextRequest++), { compressed: true }) });
  }

  /** Leaves `blob` for `recipient`; the outcome arrives in `offlineSent`. */
  sendOffline(recipient: string, id: Uint8Array, blob: Uint8Array): void {
    const n = this.nextRequest++;
    this.pending.set(n, { offline: 'send' });
    this.outbox.push({ to: this.supernode, bytes: encodeMessage(OfflineSend.toMessage({ recipient, id, blob }, n), { compressed: true }) });
  }

  /** Fetches this device's waiting messages; they arrive in `inbox`. */
  fetchOffline(): void {
    const n = this.nextRequest++;
    this.pending.set(n, { offline: 'fetch' });
    this.outbox.push({ to: this.supernode, bytes: encodeMessage(OfflineFetch.toMessage({}, n), { compressed: true }) });
  }

  /** Acknowledges messages of the inbox. */
  ackOffline(ids: readonly Uint8Array[]): void {
    this.outbox.push({ to: this.supernode, bytes: encodeMessage(OfflineAck.toMessage({ ids: [...ids] }, this.nextRequest++), { compressed: true }) });
  }

  /** Asks to be told of `username`'s record changes. */
  watch(username: string): void {
    this.outbox.push({ to: this.supernode, bytes: encodeMessage(Watch.toMessage({ username }, this.nextRequest++), { compressed: true }) });
  }

  unwatch(username: string): void {
    this.outbox.push({ to: this.supernode, bytes: encodeMessage(Unwatch.toMessage({ username }, this.nextRequest++), { compressed: true }) });
  }

  /** Hands `blob` to the supernodes `supernodes` for `recipient`'s device. */
  forwardTo(recipient: string, deviceId: Uint8Array, supernodes: readonly string[], blob: Uint8Array): void {
    const id = this.nextRequest++;
    this.pending.set(id, { forward: true });
    this.outbox.push({ to: this.supernode, bytes: encodeMessage(Forward.toMessage({ recipient, deviceId, supernodes: supernodes.map((x) => Buffer.from(x, 'hex')), blob }, id), { compressed: true }) });
  }

  handle(_from: string, bytes: Uint8Array, now: number): void {
    const m = decodeMessage(bytes);
    if (!m.ok) return;
    const f = Forwarded.fromMessage(m.value);
    if (f.ok && m.value.requestId === 0) {
      this.forwarded.push({ sender: f.value.sender, blob: f.value.blob });
      return;
    }
    const pushed = RecordChanged.fromMessage(m.value);
    if (pushed.ok) {
      const v = verifyUserRecord(pushed.value.record, { caPublicKey: this.caPublicKey, network: SIM_NETWORK, now });
      if (v.ok) this.changes.push(v.record);
      return;
    }
    const p = this.pending.get(m.value.requestId);
    if (!p) return;
    this.pending.delete(m.value.requestId);
    if ('forward' in p) {
      const e = DirectoryError.fromMessage(m.value);
      const r = ForwardResult.fromMessage(m.value);
      this.forwardResults.push(e.ok ? e.value.code : r.ok ? r.value.sent : 'MALFORMED');
      return;
    }
    if ('offline' in p) {
      const e = DirectoryError.fromMessage(m.value);
      if (e.ok) this.offlineErrors.push(e.value.code);
      else if (p.offline === 'send') {
        const r = OfflineSent.fromMessage(m.value);
        if (r.ok) this.offlineSent.push({ stored: r.value.stored, replicas: r.value.replicas, ...(r.value.code !== undefined ? { code: r.value.code } : {}) });
      } else {
        const r = OfflineMessages.fromMessage(m.value);
        if (r.ok) this.inbox.push(...r.value.messages);
      }
      return;
    }
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
    this.newest.set(key, Math.max(this.newest.get(key) ?? -1, r.body.seq));
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
    private readonly offlineLimits: Partial<OfflineLimits> = {},
  ) {
    super(seed, links, limits);
    this.clientRng = new Prng(seed * 31 + 5);
  }

  protected override wrap(member: MembershipMember, _identity: SimSupernode): SimNode {
    const directory = new DirectoryNode(member.id, member.table, { caPublicKey: this.ca.publicKey, network: SIM_NETWORK }, this.directoryLimits);
    const offline = new OfflineNode(member.id, member.table, new MemoryOfflineStorage(), (account, now) => directory.recordsOf(account, now).map((r) => r.body.deviceId), this.net.now, this.offlineLimits);
    const node = new SimSupernodeNode(member, directory, offline, this.ca.publicKey);
    directory.membershipChanged(this.net.now);
    offline.membershipChanged(this.net.now);
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
