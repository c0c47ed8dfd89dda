/**
 * The TCP driver (for networks that block UDP; supernodes listen on 443 too): the same sans-I/O
 * SessionEndpoint, its packets framed by tcp-framing.ts. Each connection is one peer address
 * ("tcp:host:port#n"), so a client that reconnects is a peer that moved, and its session roams
 * to the new connection after an authenticated packet, as over UDP.
 */

import { randomBytes } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

import { formatEndpoint } from '../../wire/address.js';
import type { DatagramKind, SessionEndpoint, SessionEvent } from '../endpoint.js';
import { obfuscationKey } from '../packet.js';
import { FrameReader, FrameWriter, TCP_NONCE_BYTES } from '../tcp-framing.js';
import { EndpointPump } from './pump.js';

/** How a TCP driver starts. */
export interface TcpDriverOptions {
  readonly endpoint: SessionEndpoint;
  /** This endpoint's static public key (its obfuscation key masks frames on accepted connections). */
  readonly staticPublicKey: Uint8Array;
  readonly onEvent: (event: SessionEvent) => void;
  readonly onError?: (error: Error) => void;
  readonly onSend?: (bytes: Uint8Array, to: string, kind: DatagramKind) => void;
  readonly clock?: () => number;
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

  constructor(private readonly options: TcpDriverOptions) {
    this.clock = options.clock ?? Date.now;
    this.pumper = new EndpointPump(options.endpoint, this.clock, (o) => {
      if (o.type === 'event') {
        options.onEvent(o.event);
        return;
      }
      const c = this.connections.get(o.to);
      if (!c) return; // the connection is gone: the packet is lost, as a datagram would be
      options.onSend?.(o.bytes, o.to, o.kind);
      c.socket.write(c.writer.frame(o.bytes));
    });
  }

  /** Accepts connections on host:port (0: the system chooses). */
  async listen(host: string, port = 0): Promise<{ host: string; port: number }> {
    const key = obfuscationKey(this.options.staticPublicKey);
    const server = createServer((socket) => this.attach(socket, key, `tcp:${formatEndpoint(socket.remoteAddress ?? '?', socket.remotePort ?? 0)}#${this.nextConnection++}`));
    server.on('error', (e) => this.options.onError?.(e));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const a = server.address();
    if (a === null || typeof a === 'string') throw new Error('no TCP address');
    return { host: a.address, port: a.port };
  }

  /** Opens a new connection to host:port and starts (or moves) the session with that peer over it. */
  async connect(remoteStatic: Uint8Array, host: string, port: number): Promise<number> {
    const socket = createConnection({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
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

  /** The current connection labels. */
  get labels(): string[] {
    return [...this.connections.keys()];
  }

  private attach(socket: Socket, key: Uint8Array, label: string): void {
    socket.setNoDelay(true);
    const reader = new FrameReader(key);
    this.connections.set(label, { socket, writer: new FrameWriter(key, new Uint8Array(randomBytes(TCP_NONCE_BYTES))) });
    socket.on('data', (chunk: Buffer) => {
      let packets: Uint8Array[];
      try {
        packets = reader.push(chunk);
      } catch (e) {
        this.options.onError?.(e instanceof Error ? e : new Error(String(e)));
        socket.destroy();
        return;
      }
      for (const p of packets) this.options.endpoint.handle(p, label, this.clock());
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
