/**
 * A running supernode: the sans-I/O membership and directory cores behind real secure sessions
 * (UDP with STUN on the same port, and TCP for clients where UDP is blocked), one timer for
 * their deadlines, the membership table on disk, Prometheus metrics and a health page on the
 * admin listener, structured logs, and a graceful shutdown that hands the slots over first.
 *
 * Routing: a session's peer is known by its static key. Membership messages (0x0210-0x021f) are
 * taken from anyone (a joining supernode is not in the table yet, and the certificate in its
 * join decides); directory and offline messages between supernodes (0x0220-0x022f) only from
 * members (those from a supernode whose alive event has not arrived yet wait for it, briefly);
 * client messages (0x0230-0x023e) from anyone, as that session's client. A client
 * becomes an account's device by `hello` with its device certificate, whose Noise key must be
 * the session's: only then may it send and fetch offline messages.
 */

import { randomBytes, randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';

import { verifyCertificate } from '../login/certificate.js';
import { parseServerEndpoint, type NetworkFile } from '../login/network-file.js';
import { PROBE_ENDPOINTS_MAX, PROBE_PROTOCOL, PROBES_IN_FLIGHT_MAX, ProbeResult } from '../login/prober.js';
import { probeReachable } from '../login/reachability.js';
import { DirectoryNode, type DirectoryLimits } from '../overlay/directory/directory-node.js';
import { MembershipMember, type MembershipLimits } from '../overlay/membership/member.js';
import { answerHello } from '../overlay/offline/hello.js';
import { ForwardNode } from '../overlay/forward/forward-node.js';
import { RelayNode, type RelayLimits } from '../overlay/relay/relay-node.js';
import { OfflineNode, type ClientIdentity, type OfflineLimits } from '../overlay/offline/offline-node.js';
import type { MemberId } from '../overlay/ring.js';
import { routeOf } from '../overlay/routes.js';
import { StunBindingServer } from '../stun/binding-server.js';
import { TcpDriver } from '../transport/drivers/tcp.js';
import { UdpDriver } from '../transport/drivers/udp.js';
import { SessionEndpoint, type SessionEvent } from '../transport/endpoint.js';
import { Prng } from '../util/prng.js';
import { decodeMessage, encodeMessage, type WireMessage } from '../wire/index.js';
import type { SupernodeIdentity } from './identity.js';
import { supernodeMetrics } from './metrics.js';
import { SqliteOfflineStorage } from './offline-sqlite.js';
import { SupernodeStateStore } from './state-store.js';

/** How often the membership table is written to disk (also at shutdown). */
export const MEMBERSHIP_SAVE_MS = 30_000;
/**
 * Directory and offline messages from a supernode not yet in this table (it is joining and its
 * alive event is still on its way) wait this long, at most STRANGER_MESSAGES_MAX of them, and are
 * handled when it appears; then they are dropped and counted.
 */
export const STRANGER_WAIT_MS = 10_000;
export const STRANGER_MESSAGES_MAX = 4_096;
/**
 * A graceful shutdown waits until its hand-over and leave messages have left (their sessions'
 * handshakes done), at most this long (a peer that does not answer its handshake is given up).
 */
export const SHUTDOWN_FLUSH_MAX_MS = 3_000;
/** While waiting, the queue is looked at this often. */
const SHUTDOWN_FLUSH_POLL_MS = 10;
/** Once sealed, datagrams are given this long to leave the socket before it closes. */
const SHUTDOWN_SOCKET_SETTLE_MS = 20;


/** How a supernode starts. */
export interface SupernodeOptions {
  readonly network: NetworkFile;
  readonly identity: SupernodeIdentity;
  readonly listen: { readonly host: string; readonly port: number };
  /** TCP for clients (null: none). */
  readonly tcpListen: { readonly host: string; readonly port: number } | null;
  readonly dataDir: string;
  readonly admin: { readonly host: string; readonly port: number } | null;
  /** Members to join through, beyond network.json's bootstrap supernodes. */
  readonly bootstrap?: readonly { readonly id: MemberId; readonly host: string; readonly port: number }[];
  readonly logger: Logger;
  readonly membershipLimits?: Partial<MembershipLimits>;
  readonly directoryLimits?: Partial<DirectoryLimits>;
  readonly offlineLimits?: Partial<OfflineLimits>;
  readonly relayLimits?: Partial<RelayLimits>;
}

/** A running supernode. */
export interface RunningSupernode {
  readonly id: MemberId;
  readonly udp: { host: string; port: number };
  readonly tcp: { host: string; port: number } | null;
  readonly admin: { host: string; port: number } | null;
  readonly membership: MembershipMember;
  readonly directory: DirectoryNode;
  readonly offline: OfflineNode;
  readonly relay: RelayNode;
  /** Leaves gracefully (hand-over, leave) and stops. */
  stop(): Promise<void>;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Starts a supernode. */
export async function startSupernode(o: SupernodeOptions): Promise<RunningSupernode> {
  const log = o.logger;
  const id = hex(o.identity.keyPair.publicKey);
  const caKey = new Uint8Array(Buffer.from(o.network.ca.publicKey, 'hex'));
  const state = new SupernodeStateStore(o.dataDir);
  const incarnation = state.nextIncarnation();
  const checkCertificate = (certificate: Uint8Array, member: MemberId, now: number): boolean => {
    const c = verifyCertificate(certificate, caKey, o.network.name, now);
    return c.ok && c.body.kind === 'supernode' && hex(c.body.noiseKey) === member;
  };
  const membership = new MembershipMember({ id: o.identity.keyPair.publicKey, certificate: o.identity.certificate, incarnation }, checkCertificate, new Prng(randomInt(2 ** 31)), { ...(o.membershipLimits ? { limits: o.membershipLimits } : {}) });
  const directory = new DirectoryNode(id, membership.table, { caPublicKey: caKey, network: o.network.name }, o.directoryLimits);
  const offlineStorage = new SqliteOfflineStorage(o.dataDir);
  const offline = new OfflineNode(id, membership.table, offlineStorage, (account, at) => directory.recordsOf(account, at).map((r) => r.body.deviceId), Date.now(), o.offlineLimits);
  /** Client sessions ("udp:7") that said hello, and who they are; and the sessions of each device. */
  const identities = new Map<string, ClientIdentity>();
  const sessionsOfDevice = new Map<string, Set<string>>();
  const deviceKey = (accountKey: string, deviceId: Uint8Array): string => `${accountKey}/${hex(deviceId)}`;
  const identify = (client: string, who: ClientIdentity | null): void => {
    const had = identities.get(client);
    if (had) {
      const set = sessionsOfDevice.get(deviceKey(had.accountKey, had.deviceId));
      set?.delete(client);
      if (set?.size === 0) sessionsOfDevice.delete(deviceKey(had.accountKey, had.deviceId));
      identities.delete(client);
    }
    if (!who) return;
    identities.set(client, who);
    const k = deviceKey(who.accountKey, who.deviceId);
    const set = sessionsOfDevice.get(k) ?? new Set<string>();
    set.add(client);
    sessionsOfDevice.set(k, set);
  };
  const forward = new ForwardNode(id, membership.table, (account, device) => [...(sessionsOfDevice.get(deviceKey(account, device)) ?? [])]);
  const relay = new RelayNode((account, device) => [...(sessionsOfDevice.get(deviceKey(account, device)) ?? [])], (n) => new Uint8Array(randomBytes(n)), o.relayLimits);
  const drops: Record<string, number> = {};
  const drop = (reason: string): void => {
    drops[reason] = (drops[reason] ?? 0) + 1;
  };

  // Addresses of members: from network.json and --bootstrap, then from their certificates.
  const addresses = new Map<MemberId, { host: string; port: number }>();
  for (const b of o.network.bootstrapSupernodes) {
    const udp = b.endpoints.map(parseServerEndpoint).find((e) => e?.transport === 'udp');
    if (udp) addresses.set(b.staticKey, { host: udp.host, port: udp.port });
  }
  for (const b of o.bootstrap ?? []) addresses.set(b.id, { host: b.host, port: b.port });
  const addressOf = (member: MemberId): { host: string; port: number } | null => {
    const known = addresses.get(member);
    if (known) return known;
    const cert = membership.table.get(member)?.certificate;
    if (!cert) return null;
    const c = verifyCertificate(cert, caKey, o.network.name, Date.now());
    const udp = c.ok ? c.body.endpoints.map(parseServerEndpoint).find((e) => e?.transport === 'udp') : undefined;
    if (!udp) return null;
    const a = { host: udp.host, port: udp.port };
    addresses.set(member, a);
    return a;
  };

  const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
  const udpEndpoint = new SessionEndpoint({ staticKey: o.identity.keyPair, random });
  const tcpEndpoint = new SessionEndpoint({ staticKey: o.identity.keyPair, random });
  /** Session id -> the peer's static key, per transport. */
  const remoteOf = { udp: new Map<number, MemberId>(), tcp: new Map<number, MemberId>() };
  const peerSession = new Map<MemberId, number>();
  const stun = new StunBindingServer();
  let udp: UdpDriver | null = null;
  let tcp: TcpDriver | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopping = false;

  const sendPeer = (member: MemberId, bytes: Uint8Array): void => {
    if (!udp) return;
    let session = peerSession.get(member);
    if (session === undefined) {
      const a = addressOf(member);
      if (!a) {
        drop('no_address');
        return;
      }
      session = udp.connect(Buffer.from(member, 'hex'), a.host, a.port);
      peerSession.set(member, session);
      remoteOf.udp.set(session, member);
    }
    if (!udp.send(session, bytes)) drop('send_refused');
  };
  const sendClient = (client: string, bytes: Uint8Array): void => {
    const [transport, n] = client.split(':');
    const session = Number(n);
    if (transport === 'udp') udp?.send(session, bytes);
    else if (transport === 'tcp') tcp?.send(session, bytes);
  };

  const drain = (): void => {
    for (let m = membership.poll(); m; m = membership.poll()) sendPeer(m.to, m.bytes);
    for (let x = offline.poll(); x; x = offline.poll()) {
      if ('peer' in x.to) sendPeer(x.to.peer, x.bytes);
      else sendClient(x.to.client, x.bytes);
    }
    for (let d = directory.poll(); d; d = directory.poll()) {
      if ('peer' in d.to) sendPeer(d.to.peer, d.bytes);
      else sendClient(d.to.client, d.bytes);
    }
    for (let f = forward.poll(); f; f = forward.poll()) {
      if ('peer' in f.to) sendPeer(f.to.peer, f.bytes);
      else sendClient(f.to.client, f.bytes);
    }
    for (let r = relay.poll(); r; r = relay.poll()) sendClient(r.client, r.bytes);
    if (stopping) return;
    if (timer) clearTimeout(timer);
    const deadlines = [membership.nextDeadline(), directory.nextDeadline(), offline.nextDeadline(), relay.nextDeadline()].filter((d): d is number => d !== null);
    const due = deadlines.length > 0 ? Math.min(...deadlines) : null;
    if (due !== null) {
      timer = setTimeout(tick, Math.max(0, due - Date.now()));
      timer.unref();
    }
  };
  /** Peer messages from keys not (yet) in the table, waiting for their alive event. */
  let strangers: { remote: MemberId; payload: Uint8Array; route: 'directory-peer' | 'offline-peer'; until: number }[] = [];
  const handlePeer = (remote: MemberId, route: 'directory-peer' | 'offline-peer', payload: Uint8Array, now: number): void => {
    if (route === 'directory-peer') directory.handlePeer(remote, payload, now);
    else offline.handlePeer(remote, payload, now);
  };
  const replayStrangers = (now: number): void => {
    const waiting = strangers;
    strangers = [];
    for (const w of waiting) {
      if (membership.table.get(w.remote) !== undefined) handlePeer(w.remote, w.route, w.payload, now);
      else if (w.until > now) strangers.push(w);
      else drop('peer_message_from_stranger');
    }
  };
  const afterMembership = (now: number): void => {
    const changes = membership.takeChanges();
    if (changes.length === 0) return;
    if (strangers.length > 0) replayStrangers(now);
    directory.membershipChanged(now);
    offline.membershipChanged(now);
    for (const c of changes) log.info({ event: 'member', kind: c.kind, member: hex(c.id).slice(0, 16), incarnation: c.incarnation }, `member ${c.kind}`);
    if (membership.currentIncarnation !== incarnation) state.saveIncarnation(membership.currentIncarnation);
  };
  const tick = (): void => {
    const now = Date.now();
    try {
      membership.handleTimeout(now);
      afterMembership(now);
      if (strangers.length > 0) replayStrangers(now);
      directory.handleTimeout(now);
      offline.handleTimeout(now);
      relay.handleTimeout(now);
    } catch (e) {
      log.error({ err: e }, 'timer handling failed');
    }
    drain();
  };

  const onEvent = (transport: 'udp' | 'tcp', e: SessionEvent): void => {
    const remotes = remoteOf[transport];
    if (e.type === 'established') {
      const remote = hex(e.remoteStatic);
      remotes.set(e.session, remote);
      if (transport === 'udp' && !peerSession.has(remote)) peerSession.set(remote, e.session);
      return;
    }
    if (e.type === 'closed') {
      const remote = remotes.get(e.session);
      remotes.delete(e.session);
      identify(`${transport}:${e.session}`, null);
      directory.clientClosed(`${transport}:${e.session}`);
      forward.clientClosed(`${transport}:${e.session}`);
      relay.clientClosed(`${transport}:${e.session}`);
      if (remote !== undefined && peerSession.get(remote) === e.session) peerSession.delete(remote);
      return;
    }
    if (e.type !== 'message') return;
    const now = Date.now();
    const remote = remotes.get(e.session);
    const decoded = decodeMessage(e.payload);
    if (!decoded.ok || remote === undefined) {
      drop('malformed_message');
      return;
    }
    const route = routeOf(decoded.value.command);
    const client = `${transport}:${e.session}`;
    try {
      if (route === 'membership' && transport === 'udp') {
        membership.handle(remote, e.payload, now);
        afterMembership(now);
      } else if ((route === 'directory-peer' || route === 'offline-peer') && transport === 'udp') {
        if (membership.table.get(remote) !== undefined) handlePeer(remote, route, e.payload, now);
        else if (strangers.length < STRANGER_MESSAGES_MAX) strangers.push({ remote, payload: Uint8Array.from(e.payload), route, until: now + STRANGER_WAIT_MS });
        else drop('peer_message_from_stranger');
      } else if (route === 'hello') {
        hello(client, remote, decoded.value, now);
      } else if (route === 'offline-client') {
        offline.handleClient(client, identities.get(client) ?? null, e.payload, now);
      } else if (route === 'directory-client') {
        directory.handleClient(client, e.payload, now);
      } else if (route === 'forward-client') {
        forward.handleClient(client, identities.get(client) ?? null, e.payload, now);
      } else if (route === 'forward-peer' && transport === 'udp') {
        if (membership.table.isAlive(remote)) forward.handlePeer(remote, e.payload);
        else drop('peer_message_from_stranger');
      } else if (route === 'relay-client') {
        relay.handleClient(client, identities.get(client) ?? null, e.payload, now);
      } else if (route === 'probe') {
        probe(client, remote, decoded.value);
      } else {
        drop('unexpected_command');
      }
    } catch (err) {
      log.error({ err }, 'message handling failed');
    }
    drain();
  };

  /**
   * Open mode's second vantage point: a login server of this network asks this supernode to
   * reach a would-be supernode's key at its endpoints (src/login/prober.ts).
   */
  const loginServerKeys = new Set(o.network.loginServers.map((l) => l.staticKey));
  let probesInFlight = 0;
  const probe = (client: string, remote: MemberId, m: WireMessage): void => {
    const answer = (reachable: boolean, code: string): void => sendClient(client, encodeMessage(ProbeResult.toMessage({ reachable: reachable ? 1 : 0, code }, m.requestId), { compressed: true }));
    const r = PROBE_PROTOCOL.decode(m);
    if (!r.ok || r.value.value.endpoints.length > PROBE_ENDPOINTS_MAX) {
      drop('malformed_message');
      return answer(false, 'BAD_REQUEST');
    }
    if (!loginServerKeys.has(remote)) {
      drop('probe_not_from_login_server');
      return answer(false, 'NOT_ALLOWED');
    }
    if (probesInFlight >= PROBES_IN_FLIGHT_MAX) {
      drop('probe_busy');
      return answer(false, 'BUSY');
    }
    probesInFlight++;
    const { key, endpoints } = r.value.value;
    void probeReachable(key, endpoints)
      .then((ok) => {
        log.info({ event: 'probe', key: hex(key).slice(0, 16), endpoints, reachable: ok }, 'probed for the login server');
        answer(ok, 'OK');
      })
      .catch((err: unknown) => {
        log.warn({ err }, 'probe failed');
        answer(false, 'PROBE_FAILED');
      })
      .finally(() => probesInFlight--);
  };

  /** A client names itself with its device certificate; the certificate's Noise key must be the session's. */
  const hello = (client: string, remote: MemberId, m: WireMessage, now: number): void => {
    const a = answerHello(m, { publicKey: caKey, network: o.network.name }, now, { key: remote });
    if (a.identity) identify(client, a.identity);
    sendClient(client, encodeMessage(a.reply, { compressed: true }));
  };

  const onError = (err: Error): void => log.warn({ err: err.message }, 'socket error');
  udp = await UdpDriver.open({ endpoint: udpEndpoint, host: o.listen.host, port: o.listen.port, shared: stun, onEvent: (e) => onEvent('udp', e), onError });
  if (o.tcpListen) {
    tcp = new TcpDriver({ endpoint: tcpEndpoint, staticPublicKey: o.identity.keyPair.publicKey, onEvent: (e) => onEvent('tcp', e), onError });
    await tcp.listen(o.tcpListen.host, o.tcpListen.port);
  }

  const now = Date.now();
  const saved = state.loadMembers();
  const bootstrapIds = [...new Set([...o.network.bootstrapSupernodes.map((b) => b.staticKey), ...(o.bootstrap ?? []).map((b) => b.id)])];
  membership.start(now, bootstrapIds, saved);
  directory.membershipChanged(now);
  drain();
  const saver = setInterval(() => state.saveMembers(membership.table.snapshot()), MEMBERSHIP_SAVE_MS);
  saver.unref();

  let admin: Server | null = null;
  let adminAddress: { host: string; port: number } | null = null;
  if (o.admin) {
    const registry = supernodeMetrics({
      sessions: () => ({ udp: udpEndpoint.sessionCount, tcp: tcpEndpoint.sessionCount }),
      membership: () => ({ alive: membership.table.alive().length, entries: membership.table.size }),
      directory: () => ({ records: directory.size, slots: directory.slotsHeld, lookups: directory.stats.lookups, found: directory.stats.lookupsFound, failed: directory.stats.lookupsFailed, hedged: directory.stats.hedged, watched: directory.watchedAccounts }),
      offline: () => offline.size(),
      drops: () => ({
        ...drops,
        unauthenticated_packet: udpEndpoint.stats.dropped + tcpEndpoint.stats.dropped,
        membership_malformed: membership.stats.malformed,
        directory_malformed: directory.stats.malformed,
        offline_malformed: offline.stats.malformed,
        bad_record_from_peer: directory.stats.badRecordsFromPeers,
        stun_malformed: Object.values(stun.stats.dropped).reduce((a, b) => a + (b ?? 0), 0),
        tcp_refused: tcp?.stats.refused ?? 0,
        watch_refused: directory.stats.watchesRefused,
        forward_refused: forward.stats.refused,
        forward_undeliverable: forward.stats.undeliverable,
        forward_malformed: forward.stats.malformed,
        relay_refused: relay.stats.refused,
        relay_dropped: relay.stats.dropped,
        relay_malformed: relay.stats.malformed,
      }),
      stunAnswered: () => stun.stats.answered,
      takeLookupDurationsMs: () => directory.takeLookupDurations(),
    });
    admin = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/metrics') {
        registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': registry.contentType });
            res.end(text);
          },
          (err: unknown) => {
            res.writeHead(500);
            res.end(String(err));
          },
        );
        return;
      }
      if (req.method === 'GET' && req.url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id, joined: membership.joined, incarnation: membership.currentIncarnation, members: membership.table.alive().length, records: directory.size, slots: directory.slotsHeld, offline: offline.size().messages, relays: relay.size }));
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: try /metrics or /health\n');
    });
    const server = admin;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.admin?.port ?? 0, o.admin?.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const a = server.address();
    if (a && typeof a !== 'string') adminAddress = { host: a.address, port: a.port };
  }
  log.info({ event: 'started', id: id.slice(0, 16), incarnation, udp: udp.local, tcp: tcp?.local ?? null, admin: adminAddress }, 'supernode started');

  return {
    id,
    udp: udp.local,
    tcp: tcp?.local ?? null,
    admin: adminAddress,
    membership,
    directory,
    offline,
    relay,
    stop: async () => {
      if (stopping) return;
      const at = Date.now();
      directory.handOver(at);
      offline.handOver(at);
      membership.leave(at);
      drain();
      stopping = true;
      if (timer) clearTimeout(timer);
      clearInterval(saver);
      // The hand-over and leave go out on sessions that may still need a handshake.
      const flushEnd = Date.now() + SHUTDOWN_FLUSH_MAX_MS;
      const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
      while (udpEndpoint.waitingPayloads > 0 && Date.now() < flushEnd) await pause(SHUTDOWN_FLUSH_POLL_MS);
      await pause(SHUTDOWN_SOCKET_SETTLE_MS);
      log.info({ event: 'handed-over', ms: Date.now() - at, unsent: udpEndpoint.waitingPayloads }, 'hand-over sent');
      state.saveMembers(membership.table.snapshot());
      state.close();
      offlineStorage.close();
      await udp?.close();
      await tcp?.close();
      if (admin) {
        const server = admin;
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      log.info({ event: 'stopped' }, 'supernode stopped');
    },
  };
}
