/**
 * One maker per message kind of the corpus, each drawing on the simulated network and the corpus
 * clock. Requests and their responses come in exchanges, so request ids and contents match.
 */

import type { WireMessage } from '../../src/wire/index.js';
import { RELAY_PORT_MAX, RELAY_PORT_MIN, slotOf, type Device, type Network, type User } from './network.js';
import { buildMessage, type Fields } from './build.js';
import { dhPublicKeyFrom } from './keys.js';
import { CODEC, COMMAND, commandSpec, LOOKUP_FLAG, LOOKUP_STATUS, PRESENCE, RELAY_TRANSPORT } from './messages.js';
import type { Prng } from '../../src/util/prng.js';
import { longText, moodText, shortText, type TextStyle } from './text/compose.js';
import type { Language } from './text/languages.js';

/** Chat text categories and their shares: about 60% plain ASCII English. */
const CHAT_STYLES: readonly (readonly [TextStyle, number])[] = [
  [{ language: 'en', emoji: false }, 60],
  [{ language: 'en', emoji: true }, 6],
  [{ language: 'de', emoji: false }, 7],
  [{ language: 'fr', emoji: false }, 6],
  [{ language: 'es', emoji: false }, 6],
  [{ language: 'ru', emoji: false }, 6],
  [{ language: 'zh', emoji: false }, 5],
  [{ language: 'ja', emoji: false }, 4],
];
/** Conversations kept per language before new messages mostly reuse old ones. */
const CONVERSATIONS_PER_LANGUAGE_MAX = 40;
/** Message ids a conversation remembers as reply targets. */
const REPLY_TARGETS_MAX = 6;
/** Largest relay lifetime a supernode grants (s). */
const RELAY_LIFETIME_MAX_S = 3600;
const MIB = 1024 * 1024;

/** A chat conversation: members, language, recent message ids. */
interface Conversation {
  readonly id: Uint8Array;
  readonly language: Language;
  readonly members: readonly User[];
  readonly recentIds: Uint8Array[];
}

/** Makes the messages of each kind; `nowMs` advances as the simulated network runs. */
export class Scenarios {
  private readonly conversations = new Map<Language, Conversation[]>();

  constructor(
    private readonly prng: Prng,
    private readonly net: Network,
    public nowMs: number,
  ) {}

  /** Lets some time pass between events (20 ms to 4 s). */
  tick(): void {
    this.nowMs += this.prng.int(20, 4000);
  }

  /** Login server to device: a renewed certificate (answers the login, request 1 or 2). */
  certificateIssued(): WireMessage {
    const device = this.net.pickDevice(this.net.pickUser());
    device.certificate = this.net.issueCertificate(device, this.nowMs);
    return message(COMMAND.CERTIFICATE_ISSUED, this.prng.int(1, 2), device.certificate);
  }

  /** A device publishes its user's new record. */
  directoryPublish(): WireMessage {
    const user = this.net.pickUser();
    const publisher = this.net.pickDevice(user);
    user.recordSequence += this.prng.int(1, 3);
    publisher.updatedMs = this.nowMs;
    return message(COMMAND.DIRECTORY_PUBLISH, this.net.nextRequestId(publisher), this.net.record(user, publisher));
  }

  /** A lookup and its reply (found, not found, or not modified); either half may be left out. */
  lookupExchange(withLookup: boolean, withReply: boolean): WireMessage[] {
    const requester = this.net.pickDevice(this.net.pickUser());
    const target = this.prng.chance(0.12) ? undefined : this.net.pickOtherUser(requester.user);
    const username = target?.username ?? this.net.unknownUsername();
    const flags = this.prng.weighted<number>([
      [LOOKUP_FLAG.PRESENCE | LOOKUP_FLAG.CANDIDATES, 60],
      [LOOKUP_FLAG.PRESENCE | LOOKUP_FLAG.CANDIDATES | LOOKUP_FLAG.OFFLINE_DEVICES, 15],
      [LOOKUP_FLAG.PRESENCE, 15],
      [LOOKUP_FLAG.CANDIDATES, 10],
    ]);
    let knownSequence: number | undefined;
    if (target && this.prng.chance(0.3)) {
      knownSequence = this.prng.chance(0.6) ? target.recordSequence : Math.max(1, target.recordSequence - this.prng.int(1, 20));
    }
    const requestId = this.net.nextRequestId(requester);
    const out: WireMessage[] = [];
    if (withLookup) {
      out.push(message(COMMAND.DIRECTORY_LOOKUP, requestId, { username, flags, known_sequence: knownSequence }));
    }
    this.tick();
    if (withReply) {
      let status: number = LOOKUP_STATUS.FOUND;
      let record: Fields | undefined;
      if (!target) status = LOOKUP_STATUS.NOT_FOUND;
      else if (knownSequence === target.recordSequence) status = LOOKUP_STATUS.NOT_MODIFIED;
      else record = this.net.record(target, this.net.pickDevice(target));
      out.push(message(COMMAND.DIRECTORY_LOOKUP_REPLY, requestId, { status, slot: slotOf(username), record }));
    }
    return out;
  }

  /** A device changes presence (and now and then its mood). */
  presenceUpdate(): WireMessage {
    const user = this.net.pickUser();
    const device = this.net.pickDevice(user);
    device.status = this.prng.chance(0.15) ? PRESENCE.OFFLINE : this.net.pickStatus();
    if (this.prng.chance(0.1)) user.mood = this.prng.chance(0.7) ? moodText(user.language, user.asciiOnly, this.prng) : undefined;
    device.presenceSequence += 1;
    return message(COMMAND.PRESENCE_UPDATE, 0, {
      username: user.username,
      device_id: device.id,
      status: device.status,
      mood: user.mood,
      sequence: device.presenceSequence,
      changed_ms: this.nowMs,
    });
  }

  /** A call invitation with an Opus offer (sometimes fallbacks and video) and the caller's candidates. */
  callInvite(): WireMessage {
    const caller = this.net.pickUser();
    const device = this.net.pickDevice(caller);
    const callee = this.net.pickOtherUser(caller);
    const video = this.prng.chance(0.3);
    const offer: number[] = [
      CODEC.OPUS,
      48000,
      this.prng.chance(0.8) ? 2 : 1,
      this.prng.weighted<number>([
        [20, 80],
        [10, 10],
        [40, 5],
        [60, 5],
      ]),
      this.prng.pick([16000, 24000, 32000, 40000, 64000]),
      this.prng.chance(0.85) ? 3 : 1,
    ];
    if (this.prng.chance(0.4)) offer.push(CODEC.G722, 16000, 1, 20, 64000, 0);
    if (this.prng.chance(0.2)) offer.push(CODEC.PCMU, 8000, 1, 20, 64000, 0);
    if (video) {
      offer.push(CODEC.VP8, 90000, 0, 33, this.prng.pick([800000, 1500000, 2500000]), 0);
      if (this.prng.chance(0.5)) offer.push(CODEC.H264, 90000, 0, 33, this.prng.pick([1000000, 2000000, 4000000]), 0);
    }
    const callFlags = (video ? 1 : 0) | (this.prng.chance(0.05) ? 2 : 0);
    return message(COMMAND.CALL_INVITE, this.net.nextRequestId(device), {
      call_id: this.prng.bytes(16),
      caller: caller.username,
      caller_device_id: device.id,
      callee: callee.username,
      media_offer: offer,
      ephemeral_key: dhPublicKeyFrom(this.prng),
      candidate: this.net.candidates(device),
      sent_ms: this.nowMs,
      call_flags: callFlags === 0 ? undefined : callFlags,
    });
  }

  /** A chat message envelope, short or long, in a language drawn from CHAT_STYLES. */
  chatMessage(long: boolean): WireMessage {
    const style = this.prng.weighted(CHAT_STYLES);
    const conversation = this.pickConversation(style.language);
    const sender = this.prng.pick(conversation.members);
    const device = this.net.pickDevice(sender);
    const messageId = uuidV7(this.nowMs, this.prng);
    const replyTo = conversation.recentIds.length > 0 && this.prng.chance(0.25) ? this.prng.pick(conversation.recentIds) : undefined;
    conversation.recentIds.push(messageId);
    if (conversation.recentIds.length > REPLY_TARGETS_MAX) conversation.recentIds.shift();
    return message(COMMAND.CHAT_MESSAGE, this.net.nextRequestId(device), {
      conversation_id: conversation.id,
      message_id: messageId,
      sender: sender.username,
      sender_device_id: device.id,
      sent_ms: this.nowMs,
      text: long ? longText(style, this.prng) : shortText(style, this.prng),
      reply_to: replyTo,
    });
  }

  /** A relay allocation request and its response; either half may be left out. */
  relayExchange(withRequest: boolean, withResponse: boolean): WireMessage[] {
    const device = this.net.pickDevice(this.net.pickUser());
    const lifetimeS = this.prng.pick([600, 1200, 1800, 3600, 7200]);
    const bandwidthBps = this.prng.pick([64000, 128000, 256000, 512000, 1000000, 2000000]);
    const transport = this.prng.weighted<number>([
      [RELAY_TRANSPORT.UDP, 70],
      [RELAY_TRANSPORT.TCP, 15],
      [RELAY_TRANSPORT.TLS_443, 15],
    ]);
    const family = device.ipv6.length > 0 && this.prng.chance(0.3) ? 6 : 4;
    const requestId = this.net.nextRequestId(device);
    const out: WireMessage[] = [];
    if (withRequest) {
      out.push(
        message(COMMAND.RELAY_ALLOCATE, requestId, {
          username: device.user.username,
          device_id: device.id,
          lifetime_s: lifetimeS,
          bandwidth_bps: bandwidthBps,
          transport,
          family,
        }),
      );
    }
    this.tick();
    if (withResponse) {
      const granted = Math.min(lifetimeS, RELAY_LIFETIME_MAX_S);
      const relays = this.net.supernodes.filter((sn) => family === 4 || sn.v6 !== undefined);
      const relay = this.prng.pick(relays);
      const relayHost = family === 6 && relay.v6 ? relay.v6.host : relay.v4.host;
      out.push(
        message(COMMAND.RELAY_ALLOCATED, requestId, {
          relayed_address: { host: relayHost, port: this.prng.int(RELAY_PORT_MIN, RELAY_PORT_MAX) },
          mapped_address: mappedAddress(device, family),
          lifetime_s: granted,
          byte_quota: Math.ceil((bandwidthBps / 8) * granted / MIB) * MIB,
          // Allocation id (8) + MAC (16), and a peer binding (8) when the allocation is restricted.
          token: this.prng.bytes(this.prng.chance(0.5) ? 24 : 32),
          expires_ms: this.nowMs + granted * 1000,
        }),
      );
    }
    return out;
  }

  /** An ack of some request (its id), mostly ok, sometimes a refusal. */
  ack(): WireMessage {
    const device = this.net.pickDevice(this.net.pickUser());
    const status = this.prng.weighted<number>([
      [0, 90],
      [3, 4],
      [4, 3],
      [5, 3],
    ]);
    return message(COMMAND.ACK, this.net.nextRequestId(device), {
      status,
      retry_after_ms: status === 3 ? this.prng.int(1, 30) * 1000 : undefined,
    });
  }

  /** A session keepalive. */
  keepalive(): WireMessage {
    return message(COMMAND.KEEPALIVE, 0, { nonce: this.prng.u64(), sent_ms: this.nowMs });
  }

  /** A typing notice. */
  typing(): WireMessage {
    const conversation = this.pickConversation(this.prng.weighted(CHAT_STYLES).language);
    const sender = this.prng.pick(conversation.members);
    return message(COMMAND.CHAT_TYPING, 0, {
      conversation_id: conversation.id,
      sender: sender.username,
      sender_device_id: this.net.pickDevice(sender).id,
      state: this.prng.chance(0.85) ? 1 : 0,
    });
  }

  private pickConversation(language: Language): Conversation {
    const list = this.conversations.get(language) ?? [];
    this.conversations.set(language, list);
    if (list.length === 0 || (list.length < CONVERSATIONS_PER_LANGUAGE_MAX && this.prng.chance(0.35))) {
      const first = this.userSpeaking(language);
      const members = [first];
      const size = this.prng.chance(0.85) ? 2 : this.prng.int(3, 8);
      while (members.length < size) {
        const other = this.net.pickOtherUser(first);
        if (!members.includes(other)) members.push(other);
      }
      const conversation: Conversation = { id: this.prng.bytes(16), language, members, recentIds: [] };
      list.push(conversation);
      return conversation;
    }
    return list[this.prng.zipf(list.length)] as Conversation;
  }

  /** A user writing in `language`, if one turns up in a few draws; else anyone. */
  private userSpeaking(language: Language): User {
    for (let i = 0; i < 50; i++) {
      const u = this.net.pickUser();
      if (u.language === language) return u;
    }
    return this.net.pickUser();
  }
}

/** A UUIDv7 (RFC 9562 section 5.7): 48-bit ms timestamp, version 7, variant 10, random bits. */
export function uuidV7(ms: number, prng: Prng): Uint8Array {
  const out = prng.bytes(16);
  let t = ms;
  for (let i = 5; i >= 0; i--) {
    out[i] = t % 256;
    t = Math.floor(t / 256);
  }
  out[6] = 0x70 | ((out[6] ?? 0) & 0x0f);
  out[8] = 0x80 | ((out[8] ?? 0) & 0x3f);
  return out;
}

function mappedAddress(device: Device, family: 4 | 6): { host: string; port: number } {
  const v6 = device.ipv6[0];
  return family === 6 && v6 !== undefined ? { host: v6, port: device.localPort } : { host: device.publicIPv4, port: device.natPort };
}

function message(command: number, requestId: number, values: Fields): WireMessage {
  const spec = commandSpec(command);
  if (!spec) throw new Error(`no table for command ${command}`);
  return buildMessage(spec, requestId, values);
}
