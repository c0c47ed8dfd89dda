/**
 * A client's secure session to one server (login server, supernode): it tries the server's UDP
 * endpoints first and its TCP endpoints after (the fallback where UDP is blocked), matches
 * replies to requests by request id, and hands messages the server sends unasked (request id 0)
 * to `onPush`.
 */

import { randomBytes } from 'node:crypto';

import { DH_25519, type KeyPair } from '../crypto/noise/index.js';
import { formatEndpoint } from '../wire/address.js';
import { decodeMessage, encodeMessage, type WireMessage } from '../wire/index.js';
import { TcpDriver } from './drivers/tcp.js';
import { UdpDriver } from './drivers/udp.js';
import { SessionEndpoint, type SessionEvent } from './endpoint.js';

/** How long a request waits for its reply, by default. */
export const SESSION_REQUEST_TIMEOUT_MS = 10_000;
/** How long a UDP endpoint may take to complete the handshake before the next endpoint (TCP) is tried. */
export const SESSION_UDP_WAIT_MS = 2_000;
/** How long a TCP endpoint may take to connect and complete the handshake. */
export const SESSION_TCP_WAIT_MS = 10_000;
/**
 * An idempotent request over UDP is sent again, with the same request id, after this long without
 * a reply, then after twice as long, and so on until its timeout: one lost datagram (the request
 * or its reply) costs a second, not the whole timeout. The first reply is taken; later ones are
 * ignored. TCP carries every request once.
 */
export const SESSION_RESEND_FIRST_MS = 1_000;
/** Requests waiting for replies at most; beyond it a request fails at once. */
export const SESSION_REQUESTS_MAX = 10_000;

/** One endpoint of a server. */
export interface SessionAddress {
  readonly transport: 'udp' | 'tcp';
  readonly host: string;
  readonly port: number;
}

/** A session that could not be made, or a request without an answer. */
export class SessionClientError extends Error {
  override readonly name = 'SessionClientError';
  constructor(
    readonly code: 'UNREACHABLE' | 'TIMEOUT' | 'BUSY' | 'CLOSED',
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** How connect() tries the endpoints. */
export interface SessionClientOptions {
  /** This client's static key (a fresh one by default). */
  readonly staticKey?: KeyPair;
  readonly udpWaitMs?: number;
  readonly tcpWaitMs?: number;
  readonly requestTimeoutMs?: number;
  /** What the server is, for messages ("the login server"). */
  readonly what?: string;
  /** Messages the server sends unasked (request id 0). */
  readonly onPush?: (m: WireMessage) => void;
}

interface Link {
  send(session: number, payload: Uint8Array): boolean;
  close(): Promise<void>;
}

/** A session to one server. */
export class SessionClient {
  private nextRequest = 1;
  private readonly waiting = new Map<number, (m: WireMessage) => void>();
  private closed = false;

  private constructor(
    private readonly link: Link,
    private readonly session: number,
    /** The endpoint the session runs over. */
    readonly via: SessionAddress,
    private readonly options: SessionClientOptions,
  ) {}

  /** Connects to the server with static key `serverKey`, trying `addresses` (UDP first, then TCP) until a handshake completes. */
  static async connect(serverKey: Uint8Array, addresses: readonly SessionAddress[], options: SessionClientOptions = {}): Promise<SessionClient> {
    const staticKey = options.staticKey ?? DH_25519.keyPairFrom(new Uint8Array(randomBytes(32)));
    const ordered = [...addresses.filter((a) => a.transport === 'udp'), ...addresses.filter((a) => a.transport === 'tcp')];
    const failures: string[] = [];
    for (const address of ordered) {
      const name = `${address.transport}:${formatEndpoint(address.host, address.port)}`;
      try {
        return await SessionClient.attempt(serverKey, address, staticKey, address.transport === 'udp' ? (options.udpWaitMs ?? SESSION_UDP_WAIT_MS) : (options.tcpWaitMs ?? SESSION_TCP_WAIT_MS), options);
      } catch (e) {
        failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    throw new SessionClientError('UNREACHABLE', `cannot reach ${options.what ?? 'the server'} (${failures.length > 0 ? failures.join('; ') : 'no endpoint to try'})`);
  }

  /** One endpoint: the client once the handshake completes, or an error after `waitMs`. */
  private static async attempt(serverKey: Uint8Array, address: SessionAddress, staticKey: KeyPair, waitMs: number, options: SessionClientOptions): Promise<SessionClient> {
    let client: SessionClient | null = null;
    let settled = false;
    let settle: (error: Error | null) => void = () => {};
    const established = new Promise<void>((resolve, reject) => {
      settle = (error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
    });
    const timer = setTimeout(() => settle(new Error(`no handshake in ${waitMs / 1000} s`)), waitMs);
    // Awaited below; until then (the link is being made) a rejection is not "unhandled": that would end the process.
    established.catch(() => undefined);
    const onEvent = (e: SessionEvent): void => {
      if (e.type === 'established') settle(null);
      else if (e.type === 'closed') {
        settle(new Error(`the handshake failed (${e.reason})`));
        if (client) client.closed = true;
      } else if (e.type === 'message' && client) client.receive(e.payload);
    };
    const endpoint = new SessionEndpoint({ staticKey, random: (n) => new Uint8Array(randomBytes(n)) });
    let link: Link | null = null;
    let session: number;
    try {
      if (address.transport === 'udp') {
        const udp = await UdpDriver.open({ endpoint, host: address.host.includes(':') ? '::' : '0.0.0.0', onEvent });
        link = udp;
        session = udp.connect(serverKey, address.host, address.port);
      } else {
        const tcp = new TcpDriver({ endpoint, staticPublicKey: staticKey.publicKey, onEvent });
        link = tcp;
        session = await tcp.connect(serverKey, address.host, address.port, waitMs);
      }
      await established;
    } catch (e) {
      // Whatever failed (the link, or the handshake), the timer stops and the socket closes.
      settle(null);
      await link?.close();
      throw e;
    }
    client = new SessionClient(link, session, address, options);
    return client;
  }

  private receive(payload: Uint8Array): void {
    const m = decodeMessage(payload);
    if (!m.ok) return;
    if (m.value.requestId === 0) this.options.onPush?.(m.value);
    else this.waiting.get(m.value.requestId)?.(m.value);
  }

  /**
   * Sends a request and waits for its reply (up to `timeoutMs`, the session's default otherwise).
   * `idempotent`: asking twice does no harm (a lookup, a fetch, a hello), so over UDP it is sent
   * again while no reply has come (SESSION_RESEND_FIRST_MS).
   */
  request(m: Omit<WireMessage, 'requestId'>, timeoutMs = this.options.requestTimeoutMs ?? SESSION_REQUEST_TIMEOUT_MS, idempotent = false): Promise<WireMessage> {
    if (this.closed) return Promise.reject(new SessionClientError('CLOSED', `the session to ${this.options.what ?? 'the server'} is closed`));
    if (this.waiting.size >= SESSION_REQUESTS_MAX) return Promise.reject(new SessionClientError('BUSY', `${SESSION_REQUESTS_MAX} requests are already waiting`));
    const requestId = this.nextRequest++;
    const bytes = encodeMessage({ ...m, requestId }, { compressed: true });
    return new Promise((resolve, reject) => {
      let resend: ReturnType<typeof setTimeout> | undefined;
      const timer = setTimeout(() => {
        clearTimeout(resend);
        this.waiting.delete(requestId);
        reject(new SessionClientError('TIMEOUT', `no answer from ${this.options.what ?? 'the server'} in ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.waiting.set(requestId, (reply) => {
        clearTimeout(timer);
        clearTimeout(resend);
        this.waiting.delete(requestId);
        resolve(reply);
      });
      const sendAgainAfter = (ms: number): void => {
        resend = setTimeout(() => {
          if (this.closed || !this.waiting.has(requestId)) return;
          this.link.send(this.session, bytes);
          sendAgainAfter(ms * 2);
        }, ms);
      };
      this.link.send(this.session, bytes);
      if (idempotent && this.via.transport === 'udp') sendAgainAfter(SESSION_RESEND_FIRST_MS);
    });
  }

  /** Sends a message that has no reply. */
  tell(m: Omit<WireMessage, 'requestId'>): void {
    this.link.send(this.session, encodeMessage({ ...m, requestId: this.nextRequest++ }, { compressed: true }));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.link.close();
  }
}
