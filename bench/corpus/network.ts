/**
 * The simulated network the corpus is drawn from: a CA, a pool of supernodes, a few hundred users
 * with 1-4 devices each (keys, certificates, households behind NAT, IPv6 privacy addresses,
 * attached supernodes) and per-device session counters. Everything comes from one seeded Prng.
 */

import { createHash } from 'node:crypto';
import { messageToJson, type NetAddress, type WireObject } from '../../src/wire/index.js';
import {
  accessIPv4,
  carrierPrivateIPv4,
  ephemeralPort,
  hostingIPv4,
  icePriority,
  ipv6Prefix64,
  lanPrefix,
  privacyAddress,
  serverIPv6,
  SUPERNODE_PORT,
  TLS_PORT,
} from './addresses.js';
import { buildObjects, type Fields } from './build.js';
import { makeHandle } from './handles.js';
import { dhPublicKeyFrom, signingKeyFrom, signWith, type SigningKey } from './keys.js';
import { CANDIDATE_KIND, CAPABILITY, CERTIFICATE, DIRECTORY_RECORD, PRESENCE, unsignedPart } from './messages.js';
import type { Prng } from '../../src/util/prng.js';
import { moodText } from './text/compose.js';
import type { Language } from './text/languages.js';

/** Users in the network; names recur across messages as on a live network. */
export const USER_COUNT = 300;
/** Supernodes in the pool devices attach to. */
export const SUPERNODE_COUNT = 120;
/** Certificate validity: 24 h. */
export const CERTIFICATE_VALIDITY_MS = 24 * 60 * 60 * 1000;
/** Directory key space (DESIGN.md: 2048 slots). */
export const DIRECTORY_SLOTS = 2048;
/** Lowest port relays hand out for relayed addresses. */
export const RELAY_PORT_MIN = 40000;
/** Highest port relays hand out for relayed addresses. */
export const RELAY_PORT_MAX = 49999;

/** A supernode: an IPv4 endpoint and, on some, an IPv6 one. */
export interface Supernode {
  readonly v4: NetAddress;
  readonly v6: NetAddress | undefined;
}

/** A home network behind one NAT: the devices in it share the public IPv4 and the IPv6 /64. */
interface Household {
  readonly publicIPv4: string;
  readonly lan: string;
  readonly prefix64: string | undefined;
  /** Whether the NAT keeps the local port when it can (many home routers do). */
  readonly portPreserving: boolean;
}

/** A device (one client daemon) of a user. */
export interface Device {
  readonly user: User;
  readonly id: Uint8Array;
  readonly signing: SigningKey;
  readonly dhKey: Uint8Array;
  readonly capabilities: number;
  /** The UDP port the daemon binds (chosen at install). */
  readonly localPort: number;
  readonly lanIPv4: string;
  readonly publicIPv4: string;
  readonly natPort: number;
  readonly ipv6: readonly string[];
  readonly supernodes: readonly NetAddress[];
  status: number;
  presenceSequence: number;
  /** Last request id used on the device's supernode session. */
  requestId: number;
  certificate: Fields;
  updatedMs: number;
}

/** A user account. */
export interface User {
  readonly username: string;
  readonly language: Language;
  /** Writes plain ASCII (no emoji) in English. */
  readonly asciiOnly: boolean;
  mood: string | undefined;
  readonly devices: Device[];
  recordSequence: number;
  readonly ttlS: number;
}

/** The network: CA, supernodes and users, and the operations messages are made of. */
export class Network {
  readonly supernodes: Supernode[] = [];
  readonly users: User[] = [];
  readonly usernames = new Set<string>();
  private readonly ca: SigningKey;
  private readonly caKeyId: number;
  private serial: number;

  constructor(
    private readonly prng: Prng,
    startMs: number,
  ) {
    this.ca = signingKeyFrom(prng);
    this.caKeyId = prng.int(1, 6);
    this.serial = prng.int(1_000_000, 90_000_000);
    for (let i = 0; i < SUPERNODE_COUNT; i++) this.supernodes.push(this.makeSupernode());
    for (let i = 0; i < USER_COUNT; i++) this.users.push(this.makeUser(startMs));
  }

  /** A user, popular ones more often (Zipf). */
  pickUser(): User {
    return this.users[this.prng.zipf(this.users.length)] as User;
  }

  /** A user other than `not`. */
  pickOtherUser(not: User): User {
    for (;;) {
      const u = this.pickUser();
      if (u !== not) return u;
    }
  }

  /** A device of a user. */
  pickDevice(user: User): Device {
    return this.prng.pick(user.devices);
  }

  /** The next request id of a device's supernode session (other requests fall in between). */
  nextRequestId(device: Device): number {
    device.requestId += this.prng.int(1, 3);
    return device.requestId;
  }

  /** A fresh certificate for a device, valid from now (minus clock-skew slack) for 24 h. */
  issueCertificate(device: Device, nowMs: number): Fields {
    const notBefore = nowMs - this.prng.int(0, 5 * 60 * 1000);
    this.serial += this.prng.int(1, 40);
    const unsigned: Fields = {
      username: device.user.username,
      device_id: device.id,
      dh_key: device.dhKey,
      signing_key: device.signing.publicKey,
      not_before_ms: notBefore,
      not_after_ms: notBefore + CERTIFICATE_VALIDITY_MS,
      serial: this.serial,
      ca_key_id: this.caKeyId,
    };
    return { ...unsigned, signature: signWith(this.ca, 'certificate', canonicalJson(buildObjects(unsignedPart(CERTIFICATE), unsigned, 'certificate'))) };
  }

  /** The address candidates of a device, best first. */
  candidates(device: Device): Fields[] {
    const out: Fields[] = [];
    device.ipv6.forEach((host, i) => {
      out.push({ kind: CANDIDATE_KIND.HOST, address: { host, port: device.localPort }, priority: icePriority('host', true, i) });
    });
    out.push({ kind: CANDIDATE_KIND.HOST, address: { host: device.lanIPv4, port: device.localPort }, priority: icePriority('host', false, 0) });
    out.push({
      kind: CANDIDATE_KIND.SERVER_REFLEXIVE,
      address: { host: device.publicIPv4, port: device.natPort },
      priority: icePriority('srflx', false, 0),
    });
    if (this.prng.chance(0.15)) out.push(this.relayCandidate());
    return out;
  }

  /** A relayed candidate on some supernode. */
  relayCandidate(): Fields {
    const sn = this.prng.pick(this.supernodes);
    return {
      kind: CANDIDATE_KIND.RELAYED,
      address: { host: sn.v4.host, port: this.prng.int(RELAY_PORT_MIN, RELAY_PORT_MAX) },
      priority: icePriority('relay', false, 0),
    };
  }

  /** The user's current directory record, signed by `publisher` (listed first). */
  record(user: User, publisher: Device): Fields {
    const devices = [publisher, ...user.devices.filter((d) => d !== publisher)];
    const unsigned: Fields = {
      username: user.username,
      sequence: user.recordSequence,
      ttl_s: user.ttlS,
      device: devices.map((d) => this.deviceEntry(d)),
    };
    return { ...unsigned, signature: signWith(publisher.signing, 'record', canonicalJson(buildObjects(unsignedPart(DIRECTORY_RECORD), unsigned, 'record'))) };
  }

  /** A username nobody has (a typo, or an account that was deleted). */
  unknownUsername(): string {
    const taken = new Set(this.usernames);
    return makeHandle(this.prng, taken);
  }

  private deviceEntry(device: Device): Fields {
    return {
      certificate: device.certificate,
      status: device.status,
      mood: device.user.mood,
      capabilities: device.capabilities,
      supernode: device.supernodes,
      candidate: this.candidates(device),
      updated_ms: device.updatedMs,
    };
  }

  private makeSupernode(): Supernode {
    const port = this.prng.chance(0.8) ? SUPERNODE_PORT : TLS_PORT;
    const v4 = { host: hostingIPv4(this.prng), port };
    const v6 = this.prng.chance(0.35) ? { host: serverIPv6(ipv6Prefix64(this.prng, 'hosting'), this.prng), port } : undefined;
    return { v4, v6 };
  }

  private makeUser(startMs: number): User {
    const prng = this.prng;
    const language = prng.weighted<Language>([
      ['en', 60],
      ['de', 8],
      ['fr', 7],
      ['es', 7],
      ['ru', 7],
      ['zh', 6],
      ['ja', 5],
    ]);
    const asciiOnly = language === 'en' && prng.chance(0.8);
    const user: User = {
      username: makeHandle(prng, this.usernames),
      language,
      asciiOnly,
      mood: prng.chance(0.45) ? moodText(language, asciiOnly, prng) : undefined,
      devices: [],
      recordSequence: prng.int(1, 5000),
      ttlS: prng.pick([600, 900, 1800, 3600]),
    };
    const home: Household = {
      publicIPv4: accessIPv4(prng),
      lan: lanPrefix(prng),
      prefix64: prng.chance(0.7) ? ipv6Prefix64(prng, 'home') : undefined,
      portPreserving: prng.chance(0.4),
    };
    const deviceCount = prng.weighted<number>([
      [1, 45],
      [2, 33],
      [3, 15],
      [4, 7],
    ]);
    for (let i = 0; i < deviceCount; i++) user.devices.push(this.makeDevice(user, home, i, startMs));
    return user;
  }

  private makeDevice(user: User, home: Household, index: number, startMs: number): Device {
    const prng = this.prng;
    // The first device is a computer at home; later ones are phones and tablets, phones often on mobile data.
    const onMobileData = index > 0 && prng.chance(0.45);
    const localPort = prng.chance(0.15) ? SUPERNODE_PORT : prng.int(1024, 65535);
    let lanIPv4: string;
    let publicIPv4: string;
    let natPort: number;
    let ipv6: string[];
    if (onMobileData) {
      lanIPv4 = carrierPrivateIPv4(prng);
      publicIPv4 = accessIPv4(prng);
      natPort = ephemeralPort(prng);
      const prefix = ipv6Prefix64(prng, 'mobile');
      ipv6 = prng.chance(0.8) ? repeat(prng.int(1, 2), () => privacyAddress(prefix, prng)) : [];
    } else {
      lanIPv4 = `${home.lan}.${prng.int(2, 254)}`;
      publicIPv4 = home.publicIPv4;
      natPort = home.portPreserving && prng.chance(0.7) ? localPort : ephemeralPort(prng);
      const prefix = home.prefix64;
      ipv6 = prefix === undefined ? [] : repeat(prng.int(2, 3), () => privacyAddress(prefix, prng));
    }
    const supernodes = repeat(prng.int(2, 3), () => {
      const sn = prng.pick(this.supernodes);
      return sn.v6 && ipv6.length > 0 && prng.chance(0.5) ? sn.v6 : sn.v4;
    });
    const capabilities =
      index === 0
        ? CAPABILITY.CHAT | CAPABILITY.VOICE | CAPABILITY.VIDEO | CAPABILITY.FILES | (prng.chance(0.3) ? CAPABILITY.RELAY_TCP : 0)
        : CAPABILITY.CHAT | CAPABILITY.VOICE | (prng.chance(0.7) ? CAPABILITY.VIDEO : 0) | (prng.chance(0.5) ? CAPABILITY.FILES : 0);
    const device: Device = {
      user,
      id: prng.bytes(16),
      signing: signingKeyFrom(prng),
      dhKey: dhPublicKeyFrom(prng),
      capabilities,
      localPort,
      lanIPv4,
      publicIPv4,
      natPort,
      ipv6,
      supernodes,
      status: this.pickStatus(),
      presenceSequence: prng.int(1, 400),
      requestId: prng.int(0, 40),
      certificate: {},
      updatedMs: startMs - prng.int(0, 6 * 60 * 60 * 1000),
    };
    // Certificates are renewed daily; the current one was issued some time in the last 20 hours.
    device.certificate = this.issueCertificate(device, startMs - prng.int(0, 20 * 60 * 60 * 1000));
    return device;
  }

  /** A presence status of an online device. */
  pickStatus(): number {
    return this.prng.weighted<number>([
      [PRESENCE.ONLINE, 55],
      [PRESENCE.AWAY, 25],
      [PRESENCE.BUSY, 10],
      [PRESENCE.DO_NOT_DISTURB, 10],
    ]);
  }
}

/** The directory slot of a username: the first bits of its SHA-256. */
export function slotOf(username: string): number {
  const digest = createHash('sha256').update(username, 'utf8').digest();
  return digest.readUInt16BE(0) % DIRECTORY_SLOTS;
}

/** The text a signature covers: the JSON form of the signed objects (sorted by id). */
function canonicalJson(objects: WireObject[]): string {
  return JSON.stringify(messageToJson({ command: 0, requestId: 0, objects }).objects);
}

function repeat<T>(n: number, make: () => T): T[] {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(make());
  return out;
}
