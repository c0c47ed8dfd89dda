/**
 * The UDP driver: one socket (IPv4, IPv6, or dual-stack when bound to "::"), the clock and the
 * timer around a sans-I/O SessionEndpoint. Peer addresses are "host:port" / "[v6]:port" text;
 * addresses of other paths (a relay) go to `elsewhere`, and what arrives on them comes in through
 * `deliver`. With no host there is no socket: only the other paths.
 */

import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';

import { canonicalHost, formatEndpoint, parseEndpoint } from '../../wire/address.js';
import type { DatagramKind, SessionEndpoint, SessionEvent } from '../endpoint.js';
import { EndpointPump } from './pump.js';

/** Another protocol on the same socket (STUN binding on a supernode's port): its datagrams never reach the endpoint. */
export interface SharedPortProtocol {
  /** Whether a datagram is this protocol's (checked before the endpoint sees it). */
  accepts(datagram: Uint8Array): boolean;
  /** The reply to send back to the source, or null. */
  answer(datagram: Uint8Array, from: { host: string; port: number }): Uint8Array | null;
}

/** How a UDP driver starts. */
export interface UdpDriverOptions {
  readonly endpoint: SessionEndpoint;
  /** Local address to bind: "127.0.0.1", "::1", "::" (dual-stack), "0.0.0.0"; null: no socket. */
  readonly host: string | null;
  /** Local port; 0 (default) lets the system choose. */
  readonly port?: number;
  readonly onEvent: (event: SessionEvent) => void;
  /** Socket errors (the driver keeps running). */
  readonly onError?: (error: Error) => void;
  /** Every datagram sent, for tests and captures. */
  readonly onSend?: (bytes: Uint8Array, to: string, kind: DatagramKind) => void;
  /** The clock (milliseconds); Date.now by default. */
  readonly clock?: () => number;
  /** A protocol sharing the socket (for example StunBindingServer). */
  readonly shared?: SharedPortProtocol;
  /** Datagrams to addresses that are not host:port (another path, such as a relay). */
  readonly elsewhere?: (to: string, bytes: Uint8Array) => void;
}

/** Runs an endpoint over a UDP socket. */
export class UdpDriver {
  private socket: Socket | null = null;
  private readonly clock: () => number;
  private readonly pumper: EndpointPump;

  private constructor(private readonly options: UdpDriverOptions) {
    this.clock = options.clock ?? Date.now;
    this.pumper = new EndpointPump(options.endpoint, this.clock, (o) => {
      if (o.type === 'event') {
        options.onEvent(o.event);
        return;
      }
      const to = parseEndpoint(o.to);
      if (!to) {
        options.elsewhere?.(o.to, o.bytes);
        return;
      }
      if (!this.socket) return;
      options.onSend?.(o.bytes, o.to, o.kind);
      this.socket.send(o.bytes, to.port, to.host);
    });
  }

  /** Binds the socket and starts. */
  static async open(options: UdpDriverOptions): Promise<UdpDriver> {
    const driver = new UdpDriver(options);
    if (options.host !== null) await driver.bind(options.host, options.port ?? 0);
    return driver;
  }

  private bind(host: string, port: number): Promise<void> {
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', ipv6Only: false });
    socket.on('message', (msg, rinfo) => {
      const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      const host = canonicalHost(rinfo.address) ?? rinfo.address;
      const shared = this.options.shared;
      if (shared?.accepts(bytes)) {
        const reply = shared.answer(bytes, { host, port: rinfo.port });
        if (reply) socket.send(reply, rinfo.port, rinfo.address);
        return;
      }
      this.options.endpoint.handle(bytes, formatEndpoint(host, rinfo.port), this.clock());
      this.pump();
    });
    socket.on('error', (e) => this.options.onError?.(e));
    this.socket = socket;
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  }

  /** The bound local address. */
  get local(): { host: string; port: number } {
    const a = this.socket?.address();
    if (!a) throw new Error('the driver is closed');
    return { host: a.address, port: a.port };
  }

  /** A datagram that came on another path (`elsewhere`'s), from that path's address. */
  deliver(bytes: Uint8Array, from: string): void {
    this.options.endpoint.handle(bytes, from, this.clock());
    this.pump();
  }

  /** Starts a session to a peer at an address of another path (`elsewhere`'s). */
  connectVia(remoteStatic: Uint8Array, address: string): number {
    const id = this.options.endpoint.connect(remoteStatic, address, this.clock());
    this.pump();
    return id;
  }

  /** Sends a payload on a session's keys to another of its peer's addresses (a check), without moving the session. */
  sendTo(session: number, payload: Uint8Array, address: string): boolean {
    const ok = this.options.endpoint.sendTo(session, payload, address, this.clock());
    this.pump();
    return ok;
  }

  /** Moves a session to another of its peer's addresses. */
  moveTo(session: number, address: string): boolean {
    return this.options.endpoint.moveTo(session, address);
  }

  /** Starts a session to a peer with this static key at host:port. */
  connect(remoteStatic: Uint8Array, host: string, port: number): number {
    const id = this.options.endpoint.connect(remoteStatic, formatEndpoint(canonicalHost(host) ?? host, port), this.clock());
    this.pump();
    return id;
  }

  /** Sends a payload on a session. */
  send(session: number, payload: Uint8Array): boolean {
    const ok = this.options.endpoint.send(session, payload, this.clock());
    this.pump();
    return ok;
  }

  /** Sends a datagram outside any session (a STUN request on the shared port); false while closed. */
  sendRaw(bytes: Uint8Array, host: string, port: number): boolean {
    if (!this.socket) return false;
    this.socket.send(bytes, port, host);
    return true;
  }

  /** Moves to a new local port (as a NAT rebinding would): the sessions follow. */
  async rebind(port = 0): Promise<void> {
    await this.closeSocket();
    if (this.options.host !== null) await this.bind(this.options.host, port);
  }

  /** Closes the socket and stops the timer. */
  async close(): Promise<void> {
    this.pumper.stop();
    await this.closeSocket();
  }

  private closeSocket(): Promise<void> {
    const s = this.socket;
    this.socket = null;
    return new Promise((resolve) => (s ? s.close(() => resolve()) : resolve()));
  }

  private pump(): void {
    this.pumper.pump();
  }
}
