/**
 * The TCP driver (for networks that block UDP; supernodes listen on 443 too): the same sans-I/O
 * SessionEndpoint, its packets framed by tcp-framing.ts. Each connection is one peer address
 * ("tcp:host:port#n"), so a client that reconnects is a peer that moved, and its session roams
 * to the new connection after an authenticated packet, as over UDP.
 */

import { randomBytes } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

import { canonicalHost, formatEndpoint, parseEndpoint } from '../../wire/address.js';
import type { DatagramKind, SessionEndpoint, SessionEvent } from '../endpoint.js';
import { obfuscationKey } from '../packet.js';
import { DEFAULT_SESSION_LIMITS } from '../session-limits.js';
import { FrameReader, FrameWriter, TCP_NONCE_BYTES } from '../tcp-framing.js';
import { EndpointPump } from './pump.js';

/** Most open connections (accepted and opened); a connection beyond it is closed at once and counted. */
export const TCP_CONNECTIONS_MAX = 10_000;
/**
 * Most bytes queued unsent on one connection; a packet beyond it is dropped and counted, as a
 * datagram would be (the session layer retransmits what matters), so a peer that stops reading
 * cannot make this process buffer without bound.
 */
export const TCP_WRITE_QUEUE_MAX_BYTES = 1 << 20;
/** How long connect() waits for the TCP connection itself. */
export const TCP_CONNECT_TIMEOUT_MS = 10_000;
/** A connection with nothing received for this long is closed (the sessions' own idle timeout). */
export const TCP_IDLE_TIMEOUT_MS = DEFAULT_SESSION_LIMITS.idleTimeoutMs;

/** What a TCP driver counted. */
export interface TcpDriverStats {
  /** Connections closed at once because TCP_CONNECTIONS_MAX were open. */
  refused: number;
  /** Packets dropped because the connection's write queue was full. */
  writeDropped: number;
  /** Connections closed after TCP_IDLE_TIMEOUT_MS without receiving. */
  idleClosed: number;
}

/** The peer host of a connection label ("tcp:host:port#n"), or null for anything else. */
export function tcpLabelHost(label: string): string | null {
  if (!label.startsWith('tcp:')) return null;
  const hash = label.lastIndexOf('#');
  return parseEndpoint(label.slice(4, hash < 0 ? undefined : hash))?.host ?? null;
}

/** How a TCP driver starts. */
export interface TcpDriverOptions {
  readonly endpoint: SessionEndpoint;
  /** This endpoint's static public key (its obfuscation key masks frames on accepted connections). */
  readonly staticPublicKey: Uint8Array;
  readonly onEvent: (event: SessionEvent) => void;
  readonly onError?: (error: Error) => void;
  readonly onSend?: (bytes: Uint8Array, to: string, kind: DatagramKind) => void;
  readonly clock?: () => number;
  /** Limits (tests lower them); the named constants above by default. */
  readonly connectionsMax?: number;
  readonly writeQueueMaxBytes?: number;
  readonly idleTimeoutMs?: number;
}

interface Connection {
  readonly socket: Socket;
  readonly writer: FrameWriter;
}

/** Runs an endpoint over TCP connections. */
export class TcpDriver {
  private server: Server | null = null;
  private readonly connections = new Map<string, Connection>();
  private nextConnection = 1;
  private readonly clock: () => number;
  private readonly pumper: EndpointPump;
  readonly stats: TcpDriverStats = { refused: 0, writeDropped: 0, idleClosed: 0 };

  constructor(private readonly options: TcpDriverOptions) {
    this.clock = options.clock ?? Date.now;
    this.pumper = new EndpointPump(options.endpoint, this.clock, (o) => {
      if (o.type === 'event') {
        options.onEvent(o.event);
        return;
      }
      const c = this.connections.get(o.to);
      if (!c) return; // the connection is gone: the packet is lost, as a datagram would be
      if (c.socket.writableLength > (options.writeQueueMaxBytes ?? TCP_WRITE_QUEUE_MAX_BYTES)) {
        this.stats.writeDropped++;
        return;
      }
      options.onSend?.(o.bytes, o.to, o.kind);
      c.socket.write(c.writer.frame(o.bytes));
    });
  }

  /** Accepts connections on host:port (0: the system chooses). */
  async listen(host: string, port = 0): Promise<{ host: string; port: number }> {
    const key = obfuscationKey(this.options.staticPublicKey);
    const server = createServer((socket) => this.attach(socket, key, `tcp:${formatEndpoint(canonicalHost(socket.remoteAddress ?? '') ?? '0.0.0.0', socket.remotePort ?? 0)}#${this.nextConnection++}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.options.onError?.(e));
    this.server = server;
    const a = server.address();
    if (a === null || typeof a === 'string') throw new Error('no TCP address');
    return { host: a.address, port: a.port };
  }

  /**
   * Opens a new connection to host:port and starts (or moves) the session with that peer over it;
   * fails if the connection is not made within `timeoutMs`.
   */
  async connect(remoteStatic: Uint8Array, host: string, port: number, timeoutMs = TCP_CONNECT_TIMEOUT_MS): Promise<number> {
    const socket = createConnection({ host, port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`TCP connection to ${formatEndpoint(host, port)} not made in ${timeoutMs / 1000} s`));
      }, timeoutMs);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve();
      });
    });
    const label = `tcp:${formatEndpoint(host, port)}#${this.nextConnection++}`;
    this.attach(socket, obfuscationKey(remoteStatic), label);
    const id = this.options.endpoint.connect(remoteStatic, label, this.clock());
    this.options.endpoint.moveTo(id, label); // a session that existed moves to the new connection
    this.pump();
    return id;
  }

  /** Sends a payload on a session. */
  send(session: number, payload: Uint8Array): boolean {
    const ok = this.options.endpoint.send(session, payload, this.clock());
    this.pump();
    return ok;
  }

  /** Closes every connection and the listener. */
  async close(): Promise<void> {
    this.pumper.stop();
    for (const c of this.connections.values()) c.socket.destroy();
    this.connections.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Closes the connections to a peer address (as if the path broke). */
  drop(label: string): void {
    this.connections.get(label)?.socket.destroy();
    this.connections.delete(label);
  }

  /** The listening address, or null when not listening. */
  get local(): { host: string; port: number } | null {
    const a = this.server?.address();
    return a && typeof a !== 'string' ? { host: a.address, port: a.port } : null;
  }

  /** The current connection labels. */
  get labels(): string[] {
    return [...this.connections.keys()];
  }

  private attach(socket: Socket, key: Uint8Array, label: string): void {
    if (this.connections.size >= (this.options.connectionsMax ?? TCP_CONNECTIONS_MAX)) {
      this.stats.refused++;
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    socket.setTimeout(this.options.idleTimeoutMs ?? TCP_IDLE_TIMEOUT_MS, () => {
      this.stats.idleClosed++;
      this.drop(label);
    });
    const reader = new FrameReader(key);
    this.connections.set(label, { socket, writer: new FrameWriter(key, new Uint8Array(randomBytes(TCP_NONCE_BYTES))) });
    socket.on('data', (chunk: Buffer) => {
      for (const p of reader.push(chunk)) this.options.endpoint.handle(p, label, this.clock());
      this.pump();
    });
    socket.on('error', (e) => this.options.onError?.(e));
    socket.on('close', () => {
      if (this.connections.get(label)?.socket === socket) this.connections.delete(label);
    });
  }

  private pump(): void {
    this.pumper.pump();
  }
}
