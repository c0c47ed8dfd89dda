/**
 * The client side of the directory (for the client daemon): a session to one supernode over
 * which a device publishes its record, looks users up and watches them. Every record received is
 * verified here again (certificate from the network's CA, the device's signature, time), and a
 * record older than one already seen for that device is rejected: the supernode and the replicas
 * are not trusted with the records, only with carrying them.
 */

import { verifyCertificate } from '../../login/certificate.js';
import { checkUsername } from '../../login/username.js';
import { SessionClient, type SessionAddress, type SessionClientOptions } from '../../transport/session-client.js';
import type { WireMessage } from '../../wire/index.js';
import { Forward, Forwarded, ForwardResult } from '../forward/messages.js';
import { RELAY_PUSH_PROTOCOL, RelayClose, RelayOpen, RelayOpened, RelayRefresh, RelaySend } from '../relay/messages.js';
import { verifyUserRecord, type VerifiedUserRecord } from '../user-record.js';
import { Hello, OfflineAck, OfflineFetch, OfflineMessages, OfflineSend, OfflineSent, Welcome } from '../offline/messages.js';
import { DirectoryError, ListSupernodes, Lookup, LookupResult, Publish, Published, RecordChanged, SupernodeList, Unwatch, Watch } from './messages.js';

/** Devices whose newest sequence number a client remembers. */
export const CLIENT_SEEN_MAX = 10_000;

/** A refusal from the supernode, or an answer the client cannot use. */
export class DirectoryClientError extends Error {
  override readonly name = 'DirectoryClientError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** A blob another device forwarded to this one (sender as the sender's supernode knew it; the blob proves itself). */
export interface ForwardedBlob {
  readonly sender: string;
  readonly senderDevice: Uint8Array;
  readonly blob: Uint8Array;
}

/** What a supernode pushes about a relay allocation: data from its other end, or its end. */
export type RelayPush = { readonly type: 'data'; readonly allocation: Uint8Array; readonly data: Uint8Array } | { readonly type: 'closed'; readonly allocation: Uint8Array; readonly code: string };

/** An allocation and what is left of it. */
export interface RelayGrant {
  readonly allocation: Uint8Array;
  readonly lifetimeMs: number;
  readonly bytesLeft: number;
  readonly bytesPerSecond: number;
}

/** What the client needs to verify records. */
export interface DirectoryTrust {
  readonly caPublicKey: Uint8Array;
  readonly network: string;
  readonly isRevoked?: (accountKey: string, deviceId: Uint8Array) => boolean;
}

/** A directory session to one supernode. */
export class DirectoryClient {
  /** Records received that failed this client's verification or were older than one seen. */
  rejected = 0;
  private readonly newest = new Map<string, number>();

  private constructor(
    private readonly session: SessionClient,
    private readonly trust: DirectoryTrust,
  ) {}

  /** Connects to the supernode with static key `key` at `addresses`; `onChange` hears watched users' new records. */
  static async connect(key: Uint8Array, addresses: readonly SessionAddress[], trust: DirectoryTrust, options: Omit<SessionClientOptions, 'onPush'> & { onChange?: (r: VerifiedUserRecord) => void; onForwarded?: (f: ForwardedBlob) => void; onRelay?: (p: RelayPush) => void } = {}): Promise<DirectoryClient> {
    let client: DirectoryClient | null = null;
    const session = await SessionClient.connect(key, addresses, {
      what: 'the supernode',
      ...options,
      onPush: (m) => {
        const f = Forwarded.fromMessage(m);
        if (f.ok) {
          options.onForwarded?.(f.value);
          return;
        }
        const relayed = RELAY_PUSH_PROTOCOL.decode(m);
        if (relayed.ok) {
          const v = relayed.value;
          options.onRelay?.(v.name === 'relay-data' ? { type: 'data', ...v.value } : { type: 'closed', ...v.value });
          return;
        }
        const pushed = RecordChanged.fromMessage(m);
        if (!pushed.ok || !client) return;
        const r = client.accept(pushed.value.record, Date.now());
        if (r) options.onChange?.(r);
      },
    });
    client = new DirectoryClient(session, trust);
    return client;
  }

  /** A verified record not older than what this client has seen, or null (counted in `rejected`). */
  private accept(bytes: Uint8Array, now: number, expectAccount?: string): VerifiedUserRecord | null {
    const v = verifyUserRecord(bytes, { ...this.trust, now });
    if (!v.ok || (expectAccount !== undefined && v.record.body.accountKey !== expectAccount)) {
      this.rejected++;
      return null;
    }
    const key = `${v.record.body.accountKey}/${Buffer.from(v.record.body.deviceId).toString('hex')}`;
    const seen = this.newest.get(key) ?? -1;
    if (seen > v.record.body.seq) {
      this.rejected++;
      return null;
    }
    this.newest.delete(key);
    if (this.newest.size >= CLIENT_SEEN_MAX) this.newest.delete(this.newest.keys().next().value as string);
    this.newest.set(key, v.record.body.seq);
    return v.record;
  }

  private static refusal(reply: WireMessage): void {
    const e = DirectoryError.fromMessage(reply);
    if (e.ok) throw new DirectoryClientError(e.value.code, e.value.reason);
  }

  /** Publishes this device's signed record; how many of the slot's replicas stored it. */
  async publish(record: Uint8Array): Promise<{ stored: number; replicas: number }> {
    const reply = await this.session.request(Publish.toMessage({ record }));
    DirectoryClient.refusal(reply);
    const p = Published.fromMessage(reply);
    if (!p.ok) throw new DirectoryClientError('PROTOCOL', `unexpected reply (command ${reply.command})`);
    return p.value;
  }

  /** The verified records of `username`'s devices (empty: none published). */
  async lookup(username: string): Promise<VerifiedUserRecord[]> {
    const name = checkUsername(username);
    if (!name.ok) throw new DirectoryClientError('USERNAME_INVALID', name.reason);
    const accountKey = name.key;
    const reply = await this.session.request(Lookup.toMessage({ username }), undefined, true);
    DirectoryClient.refusal(reply);
    const r = LookupResult.fromMessage(reply);
    if (!r.ok) throw new DirectoryClientError('PROTOCOL', `unexpected reply (command ${reply.command})`);
    const now = Date.now();
    return r.value.records.map((b) => this.accept(b, now, accountKey)).filter((x): x is VerifiedUserRecord => x !== null);
  }

  /**
   * Names this session as the certificate's device (the session must run on the certificate's
   * Noise key); needed before offline messages. Returns the account key.
   */
  async hello(certificate: Uint8Array): Promise<string> {
    const reply = await this.session.request(Hello.toMessage({ certificate }), undefined, true);
    DirectoryClient.refusal(reply);
    const w = Welcome.fromMessage(reply);
    if (!w.ok) throw new DirectoryClientError('PROTOCOL', `unexpected reply (command ${reply.command})`);
    return w.value.accountKey;
  }

  /** Leaves an (end-to-end encrypted) message for `recipient`'s devices at their slot's replicas. */
  async sendOffline(recipient: string, id: Uint8Array, blob: Uint8Array, ttlMs?: number): Promise<{ stored: number; replicas: number }> {
    const reply = await this.session.request(OfflineSend.toMessage({ recipient, id, blob, ...(ttlMs !== undefined ? { ttlMs } : {}) }));
    DirectoryClient.refusal(reply);
    const r = OfflineSent.fromMessage(reply);
    if (!r.ok) throw new DirectoryClientError('PROTOCOL', `unexpected reply (command ${reply.command})`);
    if (r.value.stored === 0) throw new DirectoryClientError(r.value.code ?? 'NOT_STORED', `no replica stored the message (of ${r.value.replicas})`);
    return { stored: r.value.stored, replicas: r.value.replicas };
  }

  /** The messages waiting for this device (a page: acknowledge them, then fetch again for more). */
  async fetchOffline(): Promise<{ id: Uint8Array; sender: string; blob: Uint8Array; storedAt: number }[]> {
    const reply = await this.session.request(OfflineFetch.toMessage({}), undefined, true);
    DirectoryClient.refusal(reply);
    const r = OfflineMessages.fromMessage(reply);
    if (!r.ok) throw new DirectoryClientError('PROTOCOL', `unexpected reply (command ${reply.command})`);
    return r.value.messages.map((m) => ({ id: m.id, sender: m.sender, blob: m.blob, storedAt: m.storedAt }));
  }

  /** This device has these messages now: the replicas may forget them once every device has. */
  ackOffline(ids: readonly Uint8Array[]): void {
    this.session.tell(OfflineAck.toMessage({ ids: [...ids] }));
  }

  /** Supernodes to add to the host cache: id and endpoints from certificates that check against the CA (max 0: a liveness probe, with its own `timeoutMs`). */
  async listSupernodes(max: number, timeoutMs?: number): Promise<{ id: string; endpoints: string[] }[]> {
    const reply = await this.session.request(ListSupernodes.toMessage({ max }), timeoutMs);
    DirectoryClient.refusal(reply);
    const r = SupernodeList.fromMessage(reply);
    if (!r.ok) throw new DirectoryClientError('PROTOCOL', `unexpected reply (command ${reply.command})`);
    const now = Date.now();
    return r.value.certificates.flatMap((c) => {
      const v = verifyCertificate(c, this.trust.caPublicKey, this.trust.network, now);
      return v.ok && v.body.kind === 'supernode' ? [{ id: Buffer.from(v.body.noiseKey).toString('hex'), endpoints: v.body.endpoints }] : [];
    });
  }

  /**
   * Hands an (end-to-end encrypted) blob to `recipient`'s device `deviceId` through the
   * supernodes its record names (hex keys); how many of them it went to. Needs `hello` first.
   */
  async forward(recipient: string, deviceId: Uint8Array, supernodes: readonly string[], blob: Uint8Array): Promise<number> {
    const reply = await this.session.request(Forward.toMessage({ recipient, deviceId, supernodes: supernodes.map((x) => Buffer.from(x, 'hex')), blob }));
    DirectoryClient.refusal(reply);
    const r = ForwardResult.fromMessage(reply);
    if (!r.ok) throw new DirectoryClientError('PROTOCOL', `unexpected reply (command ${reply.command})`);
    return r.value.sent;
  }

  /** Opens a relay allocation to `recipient`'s device, which must have a session at this supernode. Needs `hello` first. */
  async relayOpen(recipient: string, deviceId: Uint8Array, timeoutMs?: number): Promise<RelayGrant> {
    return this.relayGrant(await this.session.request(RelayOpen.toMessage({ recipient, deviceId }), timeoutMs));
  }

  /** Keeps an allocation open (and shows the supernode alive); what is left of it. */
  async relayRefresh(allocation: Uint8Array, timeoutMs?: number): Promise<RelayGrant> {
    return this.relayGrant(await this.session.request(RelayRefresh.toMessage({ allocation }), timeoutMs));
  }

  private relayGrant(reply: WireMessage): RelayGrant {
    DirectoryClient.refusal(reply);
    const r = RelayOpened.fromMessage(reply);
    if (!r.ok) throw new DirectoryClientError('PROTOCOL', `unexpected reply (command ${reply.command})`);
    return r.value;
  }

  /** Sends a datagram to the other end of an allocation (no answer; dropped if over the allocation's rate). */
  relaySend(allocation: Uint8Array, data: Uint8Array): void {
    this.session.tell(RelaySend.toMessage({ allocation, data }));
  }

  /** Closes an allocation (the other end hears of it). */
  relayClose(allocation: Uint8Array): void {
    this.session.tell(RelayClose.toMessage({ allocation }));
  }

  /** The transport the session runs over: UDP, or TCP where UDP is blocked. */
  get transport(): 'udp' | 'tcp' {
    return this.session.via.transport;
  }

  /** Asks to hear of `username`'s record changes (through `onChange`). */
  watch(username: string): void {
    this.session.tell(Watch.toMessage({ username }));
  }

  /** Stops hearing of `username`'s record changes. */
  unwatch(username: string): void {
    this.session.tell(Unwatch.toMessage({ username }));
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}
