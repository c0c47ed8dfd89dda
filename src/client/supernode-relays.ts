/**
 * Relays through supernodes as a device's sessions with other devices use them (peer-links.ts,
 * RelayAccess): an allocation is opened on the device's session to that supernode when it is
 * attached there, and otherwise on a session opened for relaying (hello'd with the device's
 * certificate), closed again once it carries no allocation. Such a session to a supernode that
 * does not answer a refresh is closed at once: its allocations move elsewhere.
 */

import type { KeyPair } from '../crypto/noise/index.js';
import { parseServerEndpoint, type ServerAddress } from '../login/network-file.js';
import type { SupernodeAttachment } from '../overlay/attachment.js';
import { DirectoryClient, type DirectoryTrust, type RelayPush } from '../overlay/directory/client.js';
import type { HostCache } from '../overlay/host-cache.js';
import type { RelayAccess } from './peer-links.js';

/** How long opening an allocation may take (connecting included) before the next supernode is tried. */
export const RELAY_OPEN_WAIT_MS = 2_000;
/** Sessions opened only for relaying, at most. */
export const RELAY_SESSIONS_MAX = 16;

/** How the relays start. */
export interface SupernodeRelaysOptions {
  readonly attachment: () => SupernodeAttachment | null;
  readonly cache: HostCache;
  readonly trust: DirectoryTrust;
  readonly staticKey: KeyPair;
  /** The device's certificate now (sessions opened for relaying say hello with it). */
  readonly certificate: () => Uint8Array;
  /** What a supernode of a session opened here pushes about allocations. */
  readonly onRelay: (p: RelayPush, supernode: string) => void;
}

interface OwnSession {
  readonly client: Promise<DirectoryClient>;
  readonly allocations: Set<string>;
  ready: DirectoryClient | null;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A device's relays through supernodes. */
export class SupernodeRelays implements RelayAccess {
  private readonly own = new Map<string, OwnSession>();
  private closed = false;

  constructor(private readonly o: SupernodeRelaysOptions) {}

  /** The session to a supernode there is now: the attachment's, else one opened here. */
  private current(supernode: string): DirectoryClient | null {
    return this.o.attachment()?.client(supernode) ?? this.own.get(supernode)?.ready ?? null;
  }

  private session(supernode: string): Promise<DirectoryClient> {
    const attached = this.o.attachment()?.client(supernode);
    if (attached) return Promise.resolve(attached);
    const had = this.own.get(supernode);
    if (had) return had.client;
    if (this.closed) return Promise.reject(new Error('the relays are closed'));
    if (this.own.size >= RELAY_SESSIONS_MAX) return Promise.reject(new Error(`at most ${RELAY_SESSIONS_MAX} sessions for relaying`));
    const s: OwnSession = { allocations: new Set(), ready: null, client: this.connect(supernode) };
    s.client.then(
      (c) => (s.ready = c),
      () => this.own.get(supernode) === s && this.own.delete(supernode),
    );
    this.own.set(supernode, s);
    return s.client;
  }

  /** A session to a supernode opened for relaying, hello'd with the device's certificate. */
  private async connect(supernode: string): Promise<DirectoryClient> {
    const addresses = (this.o.cache.get(supernode)?.endpoints ?? []).map(parseServerEndpoint).filter((e): e is ServerAddress => e !== null);
    const c = await DirectoryClient.connect(Buffer.from(supernode, 'hex'), addresses, this.o.trust, {
      staticKey: this.o.staticKey,
      udpWaitMs: 1_000,
      tcpWaitMs: 2_000,
      onRelay: (p) => this.o.onRelay(p, supernode),
    });
    try {
      await c.hello(this.o.certificate());
    } catch (e) {
      await c.close();
      throw e;
    }
    return c;
  }

  async open(supernode: string, recipient: string, deviceId: Uint8Array): Promise<Uint8Array | null> {
    const deadline = new Promise<null>((resolve) => setTimeout(() => resolve(null), RELAY_OPEN_WAIT_MS).unref());
    const opened = (async () => {
      const c = await this.session(supernode);
      const grant = await c.relayOpen(recipient, deviceId, RELAY_OPEN_WAIT_MS);
      this.own.get(supernode)?.allocations.add(hex(grant.allocation));
      return grant.allocation;
    })().catch(() => null);
    const allocation = await Promise.race([opened, deadline]);
    // One granted after the wait is not used: give it back.
    if (allocation === null) void opened.then((late) => late && this.close(supernode, late));
    return allocation;
  }

  async refresh(supernode: string, allocation: Uint8Array, timeoutMs: number): Promise<boolean> {
    const c = this.current(supernode);
    if (!c) return false;
    try {
      await c.relayRefresh(allocation, timeoutMs);
      return true;
    } catch {
      // A supernode that stopped answering: its own session goes (the attachment drops its own).
      const s = this.own.get(supernode);
      if (s?.ready === c) {
        this.own.delete(supernode);
        void c.close();
      }
      return false;
    }
  }

  send(supernode: string, allocation: Uint8Array, data: Uint8Array): boolean {
    const c = this.current(supernode);
    if (!c) return false;
    c.relaySend(allocation, data);
    return true;
  }

  close(supernode: string, allocation: Uint8Array): void {
    this.current(supernode)?.relayClose(allocation);
    const s = this.own.get(supernode);
    if (!s) return;
    s.allocations.delete(hex(allocation));
    if (s.allocations.size === 0 && s.ready) {
      this.own.delete(supernode);
      void s.ready.close();
    }
  }

  transport(supernode: string): 'udp' | 'tcp' | null {
    return this.current(supernode)?.transport ?? null;
  }

  /** Closes the sessions opened for relaying. */
  async stop(): Promise<void> {
    this.closed = true;
    const sessions = [...this.own.values()];
    this.own.clear();
    await Promise.all(sessions.map((s) => s.client.then((c) => c.close()).catch(() => undefined)));
  }
}
