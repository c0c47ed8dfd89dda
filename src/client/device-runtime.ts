/**
 * One device on the network, in process (the core of `parley node`): attached to supernodes from
 * its host cache, its record published with its presence, its contacts' presence watched, and its
 * chat engine bound to the attached supernodes. On every new session it says hello, watches its
 * contacts there, fetches what waits in the offline store and sends its outbox; forwarded
 * envelopes go straight to the engine; a timer sends the outbox when it is due and fetches the
 * offline store now and then (a forward can be lost on the way).
 *
 * Sessions with other devices (peer-links.ts): the device publishes its address candidates (host
 * addresses and the reflexive address its supernodes' STUN binding reports) while it is visible,
 * and the engine sends to a device on a session when one is up, through supernodes otherwise,
 * making a session to that device in the background for the next envelope: through a relay at
 * one of that device's supernodes (supernode-relays.ts), moved to a direct path when the
 * connectivity checks find one.
 */

import { firstUdpEndpoint, type NetworkFile } from '../login/network-file.js';
import { classifyMapping } from '../nat/mapping.js';
import { hostGateway, NatPmpMapper, type PortMapping } from '../nat/port-mapper.js';
import { SupernodeAttachment } from '../overlay/attachment.js';
import { DevicePublisher } from '../overlay/device-publisher.js';
import type { DirectoryClient } from '../overlay/directory/client.js';
import type { HostCache } from '../overlay/host-cache.js';
import type { Presence, VerifiedUserRecord } from '../overlay/user-record.js';
import { WatchList } from '../overlay/watch-list.js';
import { allCandidates, dialOrder, isLoopback, REFLEXIVE_CANDIDATES_MAX } from './candidates.js';
import { randomBytes } from 'node:crypto';

import { CallManager, type AutoAnswer, type CallEvent, type CallTransport } from '../call/call-manager.js';
import { CALL_DEVICES_MAX } from '../call/call-machine.js';
import { ChatEngine, ChatError, type ChatEvent, type ChatIdentity, type ChatOverlay, type DirectPath } from './chat-engine.js';
import { PeerLinks, PEER_REMEMBERED_MAX, type PeerPathKind, type RelayTarget } from './peer-links.js';
import { SupernodeRelays } from './supernode-relays.js';
import type { ClientStore } from './store.js';

/** The setting that records that this device has asked for its user's history. */
const HISTORY_ASKED = 'history-asked-at';
/** The offline store is fetched this often even without a reason (a lost forward is found). */
export const OFFLINE_POLL_MS = 30_000;
/** The outbox timer never sleeps longer than this (it also wakes when something is queued)... */
const OUTBOX_TICK_MAX_MS = 5_000;
/** ... nor shorter than this (an item due now is tried at once by the pass that just ran). */
const OUTBOX_TICK_MIN_MS = 50;

/** How long `reach` waits at most for a direct path after the first round trip. */
export const REACH_DIRECT_WAIT_MAX_MS = 60_000;

/** What `reach` found: whether a session came up, its path, and its times (from the start). */
export interface ReachResult {
  readonly username: string;
  readonly deviceId: string;
  readonly connected: boolean;
  readonly path: PeerPathKind | null;
  /** Until the first bytes came back over the session. */
  readonly firstByteMs: number | null;
  /** Until the session ran on a direct path (null: it did not within the wait). */
  readonly directAfterMs: number | null;
}

/** A contact's device changed presence. */
export interface PresenceEvent {
  readonly type: 'presence';
  readonly account: string;
  readonly username: string;
  readonly deviceId: Uint8Array;
  readonly presence: Presence;
  readonly mood: string | null;
}

export type DeviceEvent = ChatEvent | PresenceEvent | CallEvent;

/** How a device starts. */
export interface DeviceOptions {
  readonly network: NetworkFile;
  readonly identity: ChatIdentity;
  readonly store: ClientStore;
  readonly cache: HostCache;
  readonly presence?: Presence;
  readonly mood?: string;
  /** TTL of the published record (default: the directory's). */
  readonly recordTtlMs?: number;
  readonly onEvent?: (e: DeviceEvent) => void;
  readonly saveCache?: (cache: HostCache) => void;
  /** UDP port of direct sessions (0, the default, lets the system choose); null: none (sessions through relays only). */
  readonly peerPort?: number | null;
  /** Ask the gateway to map that port (NAT-PMP) when the supernodes are not on loopback; default true. */
  readonly portMapping?: boolean;
  /** Answer calls by itself, with this audio (bots and tests); off by default. */
  readonly autoAnswer?: AutoAnswer | null;
}

/** The supernode sessions as the chat engine sees them: the best attached one, the next when it fails. */
function overlayOver(attachment: SupernodeAttachment): ChatOverlay | null {
  const clients = attachment.clients();
  if (clients.length === 0) return null;
  const first = async <T>(f: (c: DirectoryClient) => Promise<T>): Promise<T> => {
    let failure: unknown = null;
    for (const { client } of clients) {
      try {
        return await f(client);
      } catch (e) {
        failure = e;
      }
    }
    throw failure;
  };
  return {
    lookup: (username) => first((c) => c.lookup(username)),
    forward: (recipient, deviceId, supernodes, blob) => first((c) => c.forward(recipient, deviceId, supernodes, blob)),
    sendOffline: (recipient, id, blob) => first((c) => c.sendOffline(recipient, id, blob)),
    fetchOffline: () => first((c) => c.fetchOffline()),
    ackOffline: (ids) => (clients[0] as { client: DirectoryClient }).client.ackOffline(ids),
  };
}

/** Where a record's device can be relayed to. */
export const relayTarget = (r: VerifiedUserRecord): RelayTarget => ({ account: r.body.accountKey, deviceId: r.body.deviceId, supernodes: r.body.supernodes.map((k) => Buffer.from(k).toString('hex')) });

/** Sessions with devices as the chat engine sees them: a record's device by its Noise key, candidates and supernodes. */
function directOver(links: PeerLinks, seen: (r: VerifiedUserRecord) => void): DirectPath {
  return {
    linked: (r) => links.isLinked(r.noiseKey),
    send: (r, blob) => links.send(r.noiseKey, blob),
    prepare: (r) => {
      seen(r);
      void links.link(r.noiseKey, dialOrder(r.body.candidates, { ipv6: links.ipv6 }), relayTarget(r));
    },
  };
}

/** A running device. */
export class DeviceRuntime {
  private attachment: SupernodeAttachment | null = null;
  private timer: NodeJS.Timeout | null = null;
  private poller: NodeJS.Timeout | null = null;
  private stopped = false;
  /** The candidates found last (published while visible): host ones, then reflexive ones. */
  private candidates: string[] = [];
  private hostFound: string[] = [];
  private reflexiveFound: string[] = [];
  /** Whether two supernodes saw this device's socket on different ports (its NAT maps each destination anew). */
  private hardNat = false;
  /** The newest relay target of each device met (by Noise key, hex), for a session to move to another relay. */
  private readonly targets = new Map<string, RelayTarget>();
  private relays: SupernodeRelays | null = null;
  /** The gateway's port mapping (NAT-PMP), asked for once. */
  private mapper: NatPmpMapper | null = null;
  private mapped: PortMapping | null = null;
  /** Work under way (handling, fetching, sending): stop() waits for it, so nothing touches the store after. */
  private readonly inflight = new Set<Promise<unknown>>();
  readonly engine: ChatEngine;
  readonly publisher: DevicePublisher;
  /** This device's calls. */
  readonly calls: CallManager;
  readonly watches: WatchList;

  private constructor(
    private readonly o: DeviceOptions,
    /** Sessions with other devices. */
    readonly links: PeerLinks,
  ) {
    this.certificate = o.identity.certificate;
    const emit = (e: DeviceEvent): void => o.onEvent?.(e);
    this.calls = new CallManager({
      username: o.identity.username,
      transport: this.callTransport(),
      history: o.store,
      accepts: (account) => o.store.contacts().some((c) => c.account === account && c.state === 'accepted'),
      onEvent: emit,
      autoAnswer: o.autoAnswer ?? null,
    });
    this.engine = new ChatEngine({
      identity: o.identity,
      store: o.store,
      overlay: () => (this.attachment ? overlayOver(this.attachment) : null),
      direct: directOver(links, (r) => this.remember(r)),
      onEvent: (e) => {
        if (e.type === 'contact') {
          if (e.contact.state === 'accepted') this.watches.add(e.contact.account);
          else this.watches.remove(e.contact.account);
        }
        if (e.type === 'message' || e.type === 'contact') this.wake();
        emit(e);
      },
    });
    this.publisher = new DevicePublisher({
      identity: { signingKey: o.identity.signingKey, certificate: o.identity.certificate, network: o.identity.network, accountKey: o.identity.accountKey, deviceId: o.identity.deviceId },
      state: { presence: o.presence ?? 'online', ...(o.mood !== undefined ? { mood: o.mood } : {}), candidates: [] },
      clients: () => this.attachment?.clients() ?? [],
      ...(o.recordTtlMs !== undefined ? { ttlMs: o.recordTtlMs } : {}),
    });
    this.watches = new WatchList({
      clients: () => this.attachment?.clients() ?? [],
      onChange: (r: VerifiedUserRecord) => {
        if (Buffer.from(r.body.deviceId).equals(o.identity.deviceId)) return;
        this.remember(r);
        emit({ type: 'presence', account: r.body.accountKey, username: r.username, deviceId: r.body.deviceId, presence: r.body.presence, mood: r.body.mood ?? null });
      },
    });
    for (const c of o.store.contacts()) if (c.state === 'accepted') this.watches.add(c.account);
  }

  /** Starts the device: attaches, publishes, and keeps at it until stop(). */
  static async start(o: DeviceOptions): Promise<DeviceRuntime> {
    const trust = { caPublicKey: o.identity.caPublicKey, network: o.identity.network };
    const relays = new SupernodeRelays({
      attachment: () => d.attachment,
      cache: o.cache,
      trust,
      staticKey: o.identity.noiseKey,
      certificate: () => d.certificate,
      onRelay: (p, supernode) => links.relayed(supernode, p),
    });
    const links = await PeerLinks.open({
      noiseKey: o.identity.noiseKey,
      certificate: o.identity.certificate,
      caPublicKey: o.identity.caPublicKey,
      network: o.identity.network,
      port: o.peerPort === undefined ? 0 : o.peerPort,
      relays,
      candidates: () => ({ host: d.hostFound, reflexive: d.reflexiveFound, hard: d.hardNat }),
      latest: (key) => d.targets.get(Buffer.from(key).toString('hex')) ?? null,
      onEnvelope: (blob): Promise<boolean> => d.track(() => d.engine.receive(blob).then(() => true), false),
      onCall: (m, from) => d.calls.receive(m, from),
    });
    const d: DeviceRuntime = new DeviceRuntime(o, links);
    d.relays = relays;
    d.attachment = new SupernodeAttachment({
      cache: o.cache,
      trust,
      staticKey: o.identity.noiseKey,
      count: 2,
      ...(o.saveCache ? { save: o.saveCache } : {}),
      onChange: (ids) => {
        d.publisher.attachedChanged(ids);
        d.watches.attachedChanged(ids);
      },
      onAttach: async (_id, client) => {
        await client.hello(d.certificate);
        void d.refreshCandidates();
        await d.watches.attached(client);
        await d.track(() => d.engine.pullOffline(), 0).catch(() => 0);
        await d.track(() => d.engine.flush(), undefined);
      },
      onRecord: (r) => d.watches.received(r),
      onForwarded: (f) => void d.track(() => d.engine.receive(f.blob), false).catch(() => false),
      onRelay: (p, supernode) => links.relayed(supernode, p),
    });
    await d.attachment.run();
    // A new device asks the user's other devices for the history and contacts, once.
    if (o.store.setting(HISTORY_ASKED) === null && o.store.conversations().length === 0) {
      if (await d.track(() => d.engine.requestHistory(), false).catch(() => false)) o.store.setSetting(HISTORY_ASKED, String(Date.now()));
    }
    // (The record is published by the attachment's onChange, on the first session.)
    o.store.pruneSeen(Date.now());
    d.poller = setInterval(() => {
      // Handled envelope ids older than anything the replicas still keep are forgotten.
      o.store.pruneSeen(Date.now());
      void d.track(() => d.engine.pullOffline(), 0).catch(() => 0);
    }, OFFLINE_POLL_MS);
    d.wake();
    return d;
  }

  /** Runs `work` unless stopped, tracked so that stop() waits for it; failures are the caller's to ignore. */
  private track<T>(work: () => Promise<T>, otherwise: T): Promise<T> {
    if (this.stopped) return Promise.resolve(otherwise);
    const p = work();
    this.inflight.add(p);
    void p.then(
      () => this.inflight.delete(p),
      () => this.inflight.delete(p),
    );
    return p;
  }

  /**
   * Publishes this device's candidates: its host addresses (loopback ones only when its supernodes
   * are on loopback, a local network) and the reflexive addresses its attached supernodes report.
   * None while it is invisible (candidates would say it is online).
   */
  private async refreshCandidates(): Promise<void> {
    const links = this.links;
    if (links.port === null || this.stopped || this.attachment === null) return;
    const servers = this.attachment
      .ids()
      .slice(0, REFLEXIVE_CANDIDATES_MAX)
      .flatMap((id) => {
        const udp = firstUdpEndpoint(this.o.cache.get(id)?.endpoints ?? []);
        return udp ? [{ host: udp.host, port: udp.port }] : [];
      });
    const loopback = servers.some((s) => isLoopback(s.host));
    if (!loopback && servers.length > 0) this.mapPort(links.port);
    const reflexive = (await Promise.all(servers.map((s) => links.reflexive(s)))).flatMap((a) => (a ? [a] : []));
    this.hostFound = links.hostCandidates({ loopback });
    // A port the gateway mapped reaches this socket from anywhere: it goes first among the reflexive ones.
    this.candidates = allCandidates(this.hostFound, [...(this.mapped ? [{ host: this.mapped.address, port: this.mapped.externalPort }] : []), ...reflexive]);
    this.reflexiveFound = this.candidates.filter((c) => !this.hostFound.includes(c));
    this.hardNat = classifyMapping(reflexive, [], links.port) === 'endpoint-dependent';
    if (this.stopped || this.publisher.current.presence === 'offline') return;
    await this.publisher.update({ candidates: this.candidates }).catch(() => undefined);
  }

  /**
   * Asks the default gateway, once, to map the socket's port (NAT-PMP, src/nat/); when it does,
   * the candidates are found and published again with the mapped address. Never on a loopback
   * network (a local test network must not talk to the host's real gateway).
   */
  private mapPort(port: number): void {
    const gateway = this.o.portMapping === false || this.mapper ? null : hostGateway();
    if (gateway === null) return;
    const mapper = new NatPmpMapper(gateway, port);
    this.mapper = mapper;
    void mapper
      .map()
      .then((m) => {
        if (!m || this.stopped) return;
        this.mapped = m;
        void this.refreshCandidates();
      })
      .catch(() => undefined);
  }

  /** The device's certificate now (renewed while it runs). */
  private certificate: Uint8Array;

  /** A renewed certificate: new sessions say hello with it, records and envelopes carry it. */
  setCertificate(certificate: Uint8Array): void {
    this.certificate = certificate;
    this.engine.setCertificate(certificate);
    this.publisher.setCertificate(certificate);
    this.links.setCertificate(certificate);
  }

  /** A user's published device records (verified), through the attached supernodes. */
  async lookup(username: string): Promise<VerifiedUserRecord[]> {
    const overlay = this.attachment ? overlayOver(this.attachment) : null;
    if (!overlay) throw new Error('no supernode is attached');
    return overlay.lookup(username);
  }

  /**
   * A session to a device of `username` (the most available one that publishes itself), and a
   * round trip of bytes over it: the path it takes (through a relay, or direct) and how long the
   * first bytes and the direct path took; then up to `waitDirectMs` for a direct path.
   */
  async reach(username: string, waitDirectMs: number): Promise<ReachResult> {
    const started = Date.now();
    const rank: Record<Presence, number> = { online: 3, busy: 2, away: 1, offline: 0 };
    const r = (await this.reachable(username)).sort((a, b) => rank[b.body.presence] - rank[a.body.presence])[0];
    if (!r) throw new ChatError('NOT_FOUND', `${username} has no device online`);
    this.remember(r);
    const links = this.links;
    const base = { username: r.username, deviceId: Buffer.from(r.body.deviceId).toString('hex') };
    const linked = await links.link(r.noiseKey, dialOrder(r.body.candidates, { ipv6: links.ipv6 }), relayTarget(r));
    const echoed = linked && (await links.echo(r.noiseKey, new Uint8Array(randomBytes(32))));
    if (!echoed) return { ...base, connected: false, path: null, firstByteMs: null, directAfterMs: null };
    const firstByteMs = Date.now() - started;
    const direct = await links.whenDirect(r.noiseKey, Math.min(Math.max(0, waitDirectMs), REACH_DIRECT_WAIT_MAX_MS));
    return { ...base, connected: true, path: links.path(r.noiseKey), firstByteMs, directAfterMs: direct ? Date.now() - started : null };
  }

  /** The sessions calls run on: a user's devices (other than this one, not offline), each linked now. */
  private callTransport(): CallTransport {
    const key = (hexKey: string): Uint8Array => new Uint8Array(Buffer.from(hexKey, 'hex'));
    return {
      devices: async (username) => {
        const records = (await this.reachable(username)).slice(0, CALL_DEVICES_MAX);
        const linked = await Promise.all(
          records.map(async (r) => {
            this.remember(r);
            const ok = await this.links.link(r.noiseKey, dialOrder(r.body.candidates, { ipv6: this.links.ipv6 }), relayTarget(r));
            return ok ? [{ key: Buffer.from(r.noiseKey).toString('hex'), username: r.username, account: r.body.accountKey }] : [];
          }),
        );
        return linked.flat();
      },
      send: (k, message) => this.links.sendCall(key(k), message),
      path: (k) => this.links.path(key(k)),
    };
  }

  /** A user's published devices other than this one that are not offline. */
  private async reachable(username: string): Promise<VerifiedUserRecord[]> {
    const own = Buffer.from(this.o.identity.deviceId);
    return (await this.lookup(username)).filter((r) => !Buffer.from(r.body.deviceId).equals(own) && r.body.presence !== 'offline');
  }

  /** Keeps a device's newest relay target (bounded: the least recently met forgotten first). */
  private remember(r: VerifiedUserRecord): void {
    const key = Buffer.from(r.noiseKey).toString('hex');
    this.targets.delete(key);
    if (this.targets.size >= PEER_REMEMBERED_MAX) this.targets.delete(this.targets.keys().next().value as string);
    this.targets.set(key, relayTarget(r));
  }

  /**
   * Sessions with other devices: UDP port (null: none, relays only), published candidates, sessions
   * up (relayed over UDP or TCP, or direct), envelopes sent and received on them.
   */
  directStatus(): { port: number | null; candidates: string[]; linked: number; relayed: number; sent: number; received: number } {
    const l = this.links;
    const relayed = l.sessions().filter((s) => s.path !== 'direct').length;
    return { port: l.port, candidates: [...this.candidates], linked: l.linkedCount, relayed, sent: l.stats.sent, received: l.stats.received };
  }

  /** The supernodes attached now. */
  attached(): string[] {
    return this.attachment?.ids() ?? [];
  }

  /** Sets this device's presence (and mood) and publishes it. */
  async setPresence(presence: Presence, mood?: string): Promise<void> {
    await this.publisher.update({ presence, ...(mood !== undefined ? { mood } : {}), candidates: presence === 'offline' ? [] : this.candidates });
  }

  /** Sends the outbox now and sets the timer for what is due next. */
  private wake(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    void this.track(() => this.engine.flush(), undefined).finally(() => {
      if (this.stopped) return;
      const due = this.engine.nextDue();
      const wait = due === null ? OUTBOX_TICK_MAX_MS : Math.max(OUTBOX_TICK_MIN_MS, Math.min(OUTBOX_TICK_MAX_MS, due - Date.now()));
      this.timer = setTimeout(() => this.wake(), wait);
      this.timer.unref();
    });
  }

  /** Stops: publishes the device offline (best effort), closes the sessions. The store stays open (the caller's). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.poller) clearInterval(this.poller);
    // Calls end first, while their sessions still carry the goodbyes.
    this.calls.close();
    await this.publisher.stop({ withdraw: true });
    await this.attachment?.stop();
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    await this.links.close();
    await this.relays?.stop();
    await this.mapper?.close();
    await this.engine.settled();
  }
}
