/**
 * Many-socket probing (the birthday technique of Tailscale and Holepunch) for a device behind a
 * NAT that maps every destination to a new port (endpoint-dependent mapping, "symmetric") and a
 * device behind one that keeps a port per socket (endpoint-independent): the connectivity checks
 * of path-checks.ts cannot work there, since the hard side's port toward the other is unknown.
 *
 * The hard side opens BIRTHDAY_SOCKETS sockets and probes the easy side's reflexive address from
 * each, every BIRTHDAY_ROUND_MS: its NAT then holds that many mappings, each open to the easy side.
 * The easy side probes random ports of the hard side's public address, from its one socket (whose
 * mapping, endpoint-independent, lets the answers in). With 256 mappings among 64,512 ports,
 * 2,048 random probes miss them all with probability (1 - 256/64512)^2048, about 0.03%. The first
 * probe that lands is answered from the socket it landed on, and that socket carries the session;
 * the others close. Both sides stop after BIRTHDAY_DURATION_MS. Bounded: one run at a time per
 * device, BIRTHDAY_SOCKETS sockets, BIRTHDAY_SPRAY_MAX probes.
 *
 * The probes are the session's own (PeerProbe on its keys); addresses of the hard side's sockets
 * are "sock/RUN.INDEX/HOST:PORT" to the session endpoint (the UDP driver hands them here).
 */

import { createSocket, type Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';

import { canonicalHost, formatEndpoint, parseEndpoint } from '../wire/address.js';

/** Sockets the hard side opens. */
export const BIRTHDAY_SOCKETS = 256;
/** The hard side probes from every socket this often. */
export const BIRTHDAY_ROUND_MS = 500;
/** A run lasts at most this long on either side. */
export const BIRTHDAY_DURATION_MS = 10_000;
/** Random ports the easy side probes at most... */
export const BIRTHDAY_SPRAY_MAX = 2_048;
/** ... this many every BIRTHDAY_SPRAY_TICK_MS (about 1,000 a second). */
export const BIRTHDAY_SPRAY_BATCH = 10;
export const BIRTHDAY_SPRAY_TICK_MS = 10;
/** The ports a NAT hands out (Linux: above the well-known ones). */
const PORT_MIN = 1024;
const PORT_MAX = 65_535;

const SOCKET_ADDRESS = /^sock\/(\d{1,9})\.(\d{1,3})\/(.+)$/;

/** A hard-side address: which run, which of its sockets, and the other's address. */
export function parseSocketAddress(address: string): { run: number; index: number; host: string; port: number } | null {
  const m = SOCKET_ADDRESS.exec(address);
  const to = m ? parseEndpoint(m[3] as string) : null;
  return m && to ? { run: Number(m[1]), index: Number(m[2]), ...to } : null;
}

export const socketAddress = (run: number, index: number, host: string, port: number): string => `sock/${run}.${index}/${formatEndpoint(host, port)}`;

/** The hard side's sockets of one run. */
export class BirthdaySockets {
  private readonly sockets: (Socket | null)[] = [];
  private kept: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly endsAt: number;

  private constructor(
    readonly run: number,
    private readonly deliver: (bytes: Uint8Array, from: string) => void,
    private readonly clock: () => number,
  ) {
    this.endsAt = clock() + BIRTHDAY_DURATION_MS;
  }

  /** Opens `count` IPv4 sockets on any port; what arrives on socket i comes to `deliver` from "sock/RUN.i/host:port". `clock`: the links' (ms). */
  static async open(runId: number, count: number, deliver: (bytes: Uint8Array, from: string) => void, clock: () => number): Promise<BirthdaySockets> {
    const run = new BirthdaySockets(runId, deliver, clock);
    for (let i = 0; i < Math.min(count, BIRTHDAY_SOCKETS); i++) {
      const s = createSocket('udp4');
      s.on('message', (msg, rinfo) => run.deliver(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), socketAddress(runId, i, canonicalHost(rinfo.address) ?? rinfo.address, rinfo.port)));
      s.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(0, '0.0.0.0', () => {
          s.off('error', reject);
          resolve();
        });
      });
      run.sockets.push(s);
    }
    return run;
  }

  /** Probes from every socket each BIRTHDAY_ROUND_MS (`probe(i)` sends on socket i) until one is kept or the run ends. */
  start(probe: (index: number) => void): void {
    const round = (): void => {
      if (this.kept !== null || this.clock() >= this.endsAt) return this.stopProbing();
      this.sockets.forEach((s, i) => s && probe(i));
      this.timer = setTimeout(round, BIRTHDAY_ROUND_MS);
      this.timer.unref();
    };
    round();
  }

  /** Sends on socket `index`; false when it is closed. */
  send(index: number, bytes: Uint8Array, host: string, port: number): boolean {
    const s = this.sockets[index];
    if (!s) return false;
    s.send(bytes, port, host);
    return true;
  }

  /** The session moved to socket `index`: it stays open, the others close. */
  keep(index: number): void {
    if (this.kept !== null) return;
    this.kept = index;
    this.stopProbing();
    this.sockets.forEach((s, i) => {
      if (s && i !== index) {
        s.close();
        this.sockets[i] = null;
      }
    });
  }

  /** Whether a socket is held for a session. */
  get holding(): boolean {
    return this.kept !== null;
  }

  private stopProbing(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // Nothing landed: the sockets go.
    if (this.kept === null) this.close();
  }

  /** Closes every socket. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const [i, s] of this.sockets.entries()) {
      s?.close();
      this.sockets[i] = null;
    }
  }
}

/**
 * The easy side's probes to random ports of the hard side's public address: `probe(port)` sends
 * one; stops after BIRTHDAY_SPRAY_MAX probes, BIRTHDAY_DURATION_MS, or `done()`.
 */
export function spray(probe: (port: number) => void, done: () => boolean, clock: () => number): () => void {
  const tried = new Set<number>();
  const endsAt = clock() + BIRTHDAY_DURATION_MS;
  let timer: NodeJS.Timeout | null = null;
  const tick = (): void => {
    timer = null;
    if (done() || tried.size >= BIRTHDAY_SPRAY_MAX || clock() >= endsAt) return;
    for (let n = 0; n < BIRTHDAY_SPRAY_BATCH && tried.size < BIRTHDAY_SPRAY_MAX; n++) {
      let port = randomInt(PORT_MIN, PORT_MAX + 1);
      while (tried.has(port)) port = randomInt(PORT_MIN, PORT_MAX + 1);
      tried.add(port);
      probe(port);
    }
    timer = setTimeout(tick, BIRTHDAY_SPRAY_TICK_MS);
    timer.unref();
  };
  tick();
  return () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
}
