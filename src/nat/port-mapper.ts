/**
 * A port mapping at the gateway through NAT-PMP (natpmp.ts): asked once the device's socket is
 * open, renewed at half its lifetime, deleted when the device stops. A driver: it owns a socket
 * and timers (the protocol's bytes are natpmp.ts's). A gateway that does not answer NAT-PMP costs
 * NATPMP_TRIES requests (about 4 s) and then nothing.
 */

import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';

import { decodeNatPmp, defaultGateway, externalAddressRequest, mapUdpRequest, NATPMP_LIFETIME_S, NATPMP_PORT, NATPMP_RETRY_MS, NATPMP_TRIES, type NatPmpAnswer } from './natpmp.js';

/** A mapping the gateway granted: anyone reaching `address:externalPort` reaches the local port. */
export interface PortMapping {
  readonly gateway: string;
  readonly address: string;
  readonly externalPort: number;
  readonly internalPort: number;
  readonly lifetimeS: number;
}

/** The default gateway of this host (Linux), or null. */
export function hostGateway(): string | null {
  try {
    return defaultGateway(readFileSync('/proc/net/route', 'utf8'));
  } catch {
    return null;
  }
}

/** Sends `request` to the gateway until an answer decodes (retransmitting, doubling), or gives up with the reason. */
async function ask(socket: Socket, gateway: string, port: number, request: Uint8Array): Promise<NatPmpAnswer> {
  let last: NatPmpAnswer = { ok: false, code: 'NATPMP_MALFORMED', reason: `no answer from ${gateway}:${port}` };
  for (let attempt = 0; attempt < NATPMP_TRIES; attempt++) {
    const answer = await new Promise<NatPmpAnswer | null>((resolve) => {
      const timer = setTimeout(() => done(null), NATPMP_RETRY_MS * 2 ** attempt);
      const onMessage = (msg: Buffer, from: { address: string; port: number }): void => {
        if (from.address !== gateway || from.port !== port) return;
        done(decodeNatPmp(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength)));
      };
      const done = (a: NatPmpAnswer | null): void => {
        clearTimeout(timer);
        socket.off('message', onMessage);
        resolve(a);
      };
      socket.on('message', onMessage);
      try {
        socket.send(request, port, gateway);
      } catch {
        // Closed meanwhile (the device stopped): no answer.
        done(null);
      }
    });
    if (answer?.ok) return answer;
    if (answer && answer.code === 'NATPMP_REFUSED') return answer;
    if (answer) last = answer;
  }
  return last;
}

/** One UDP port's mapping at the gateway, kept until close(). */
export class NatPmpMapper {
  private socket: Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private current: PortMapping | null = null;
  /** Why the last attempt failed, for the log and status. */
  failure: string | null = null;

  /** `port`: the gateway's NAT-PMP port (5351; tests use another). */
  constructor(
    private readonly gateway: string,
    private readonly internalPort: number,
    private readonly port = NATPMP_PORT,
  ) {}

  /** The mapping now, or null. */
  get mapping(): PortMapping | null {
    return this.current;
  }

  /** Asks for the mapping (and renews it at half its lifetime); null, with `failure` set, when the gateway does not give one. */
  async map(): Promise<PortMapping | null> {
    const socket = await this.open();
    const external = await ask(socket, this.gateway, this.port, externalAddressRequest());
    if (!external.ok || external.op !== 'external-address') {
      this.failure = external.ok ? 'unexpected answer' : external.reason;
      return null;
    }
    const mapped = await ask(socket, this.gateway, this.port, mapUdpRequest(this.internalPort, this.current?.externalPort ?? this.internalPort, NATPMP_LIFETIME_S));
    if (!mapped.ok || mapped.op !== 'map-udp' || mapped.internalPort !== this.internalPort || mapped.externalPort === 0) {
      this.failure = mapped.ok ? 'the gateway mapped another port' : mapped.reason;
      return null;
    }
    this.failure = null;
    this.current = { gateway: this.gateway, address: external.address, externalPort: mapped.externalPort, internalPort: this.internalPort, lifetimeS: mapped.lifetimeS };
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.map(), (Math.max(60, mapped.lifetimeS) * 1000) / 2);
    this.timer.unref();
    return this.current;
  }

  private async open(): Promise<Socket> {
    if (this.socket) return this.socket;
    const s = createSocket('udp4');
    s.on('error', () => undefined);
    await new Promise<void>((resolve) => s.bind(0, resolve));
    this.socket = s;
    return s;
  }

  /** Deletes the mapping (best effort, one request) and closes the socket. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    if (!s) return;
    if (this.current) await new Promise<void>((resolve) => s.send(mapUdpRequest(this.internalPort, 0, 0), this.port, this.gateway, () => resolve()));
    this.current = null;
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
