/**
 * The signalling messages of the benchmark corpus: command ids and object-id tables.
 *
 * These tables model what Parley's services will exchange (login server as CA, directory on
 * supernodes, presence, calls, end-to-end-encrypted chat, relays, session control). They are the
 * single source for the corpus generator, the protobuf mapping (`parley.proto` must agree; it is
 * checked at load) and the natural forms of the competitor formats. Conventions:
 * - ids 1..15 for the fields of a message, the most frequent first (one byte in every format);
 * - id 15 is always a signature over the other fields (it sorts last, so a verifier can stream);
 * - a `repeated` field is the same id several times in a row (the object list is sorted by id);
 * - timestamps are milliseconds since the Unix epoch (`_ms`), durations carry their unit.
 */

import type { ObjectType } from '../../src/wire/index.js';

/** One object of a message or of a nested list. */
export interface FieldSpec {
  /** Object id (and protobuf field number). */
  readonly id: number;
  /** snake_case name, as in `parley.proto`. */
  readonly name: string;
  /** Wire type of the object. */
  readonly type: ObjectType;
  /** What the value means, with its unit. */
  readonly meaning: string;
  /** May occur several times (consecutively). */
  readonly repeated?: boolean;
  /** May be absent. */
  readonly optional?: boolean;
  /** Layout of a nested list (type 'list' only). */
  readonly list?: ListSpec;
  /** Protobuf scalar type of a `uint` field; uint64 unless set. */
  readonly proto?: 'uint32' | 'uint64';
}

/** A nested object list with its own id table. */
export interface ListSpec {
  /** PascalCase name, the protobuf message name. */
  readonly name: string;
  readonly fields: readonly FieldSpec[];
}

/** A command: its id and its top-level object table (`name` is the protobuf message of the body). */
export interface CommandSpec extends ListSpec {
  readonly command: number;
  /** snake_case name of the command, its field name in the protobuf Envelope's oneof. */
  readonly key: string;
  readonly meaning: string;
  /** Whether the request id is set: a request's own counter, or echoed in a response. */
  readonly requestId: 'none' | 'request' | 'response';
}

/** The id of the signature object, by convention the last one of a signed list. */
export const SIGNATURE_ID = 15;

/** The table without its signature: what a signature covers. */
export function unsignedPart(spec: ListSpec): ListSpec {
  return { name: `${spec.name}.unsigned`, fields: spec.fields.filter((f) => f.id !== SIGNATURE_ID) };
}

/** Command ids, in ranges per service (0x00 session, 0x10 login, 0x20 directory, ...). */
export const COMMAND = {
  ACK: 0x01,
  KEEPALIVE: 0x02,
  CERTIFICATE_ISSUED: 0x11,
  DIRECTORY_PUBLISH: 0x21,
  DIRECTORY_LOOKUP: 0x22,
  DIRECTORY_LOOKUP_REPLY: 0x23,
  PRESENCE_UPDATE: 0x31,
  CALL_INVITE: 0x41,
  CHAT_MESSAGE: 0x51,
  CHAT_TYPING: 0x52,
  RELAY_ALLOCATE: 0x61,
  RELAY_ALLOCATED: 0x62,
} as const;

/** Presence status values. */
export const PRESENCE = { OFFLINE: 0, ONLINE: 1, AWAY: 2, BUSY: 3, DO_NOT_DISTURB: 4 } as const;
/** Address candidate kinds (RFC 8445 section 5.1.1). */
export const CANDIDATE_KIND = { HOST: 0, SERVER_REFLEXIVE: 1, RELAYED: 2 } as const;
/** Lookup reply status values. */
export const LOOKUP_STATUS = { FOUND: 0, NOT_FOUND: 1, NOT_MODIFIED: 2 } as const;
/** Lookup flags (bits). */
export const LOOKUP_FLAG = { PRESENCE: 1, CANDIDATES: 2, OFFLINE_DEVICES: 4 } as const;
/** Device capability flags (bits). */
export const CAPABILITY = { CHAT: 1, VOICE: 2, VIDEO: 4, FILES: 8, RELAY_TCP: 16 } as const;
/** Relay transports. */
export const RELAY_TRANSPORT = { UDP: 0, TCP: 1, TLS_443: 2 } as const;
/** Media codec ids of a call offer. */
export const CODEC = { OPUS: 1, G722: 2, PCMU: 3, VP8: 10, H264: 11 } as const;

/** A device certificate, issued by the login server (the network's CA). */
export const CERTIFICATE: ListSpec = {
  name: 'Certificate',
  fields: [
    { id: 1, name: 'username', type: 'string', meaning: 'account name the device belongs to' },
    { id: 2, name: 'device_id', type: 'blob', meaning: 'device id, 16 random bytes chosen at install' },
    { id: 3, name: 'dh_key', type: 'blob', meaning: 'device X25519 public key (32 bytes), for Noise sessions' },
    { id: 4, name: 'signing_key', type: 'blob', meaning: 'device Ed25519 public key (32 bytes), signs records' },
    { id: 5, name: 'not_before_ms', type: 'uint', meaning: 'start of validity, ms since the Unix epoch' },
    { id: 6, name: 'not_after_ms', type: 'uint', meaning: 'end of validity (24 h after not_before_ms)' },
    { id: 7, name: 'serial', type: 'uint', meaning: 'serial number, increasing per issued certificate' },
    { id: 8, name: 'ca_key_id', type: 'uint', meaning: 'which CA key signed (CA keys rotate)', proto: 'uint32' },
    { id: 15, name: 'signature', type: 'blob', meaning: 'CA Ed25519 signature (64 bytes) over fields 1-8' },
  ],
};

/** An address candidate of a device (RFC 8445 section 5.1). */
export const CANDIDATE: ListSpec = {
  name: 'Candidate',
  fields: [
    { id: 1, name: 'kind', type: 'uint', meaning: '0 host, 1 server-reflexive, 2 relayed', proto: 'uint32' },
    { id: 2, name: 'address', type: 'address', meaning: 'transport address (IPv4 or IPv6, port)' },
    { id: 3, name: 'priority', type: 'uint', meaning: 'ICE priority (RFC 8445 section 5.1.2)', proto: 'uint32' },
  ],
};

/** One device of a directory record. */
export const DEVICE_ENTRY: ListSpec = {
  name: 'DeviceEntry',
  fields: [
    { id: 1, name: 'certificate', type: 'list', list: CERTIFICATE, meaning: 'the device certificate' },
    { id: 2, name: 'status', type: 'uint', meaning: 'presence: 0 offline, 1 online, 2 away, 3 busy, 4 DND', proto: 'uint32' },
    { id: 3, name: 'mood', type: 'string', optional: true, meaning: 'mood text set by the user' },
    { id: 4, name: 'capabilities', type: 'uint', meaning: 'bits: 1 chat, 2 voice, 4 video, 8 files, 16 relay over TCP', proto: 'uint32' },
    { id: 5, name: 'supernode', type: 'address', repeated: true, meaning: 'supernodes the device is attached to (2-3)' },
    { id: 6, name: 'candidate', type: 'list', list: CANDIDATE, repeated: true, meaning: 'address candidates' },
    { id: 7, name: 'updated_ms', type: 'uint', meaning: 'when this entry last changed, ms since the Unix epoch' },
  ],
};

/** A signed directory record: every device of one user. */
export const DIRECTORY_RECORD: ListSpec = {
  name: 'DirectoryRecord',
  fields: [
    { id: 1, name: 'username', type: 'string', meaning: 'the user' },
    { id: 2, name: 'sequence', type: 'uint', meaning: 'record version; replicas keep the highest' },
    { id: 3, name: 'ttl_s', type: 'uint', meaning: 'seconds the record stays valid without refresh', proto: 'uint32' },
    { id: 4, name: 'device', type: 'list', list: DEVICE_ENTRY, repeated: true, meaning: 'one entry per device (1-4)' },
    { id: 15, name: 'signature', type: 'blob', meaning: 'Ed25519 signature (64 bytes) by the first device, over fields 1-4' },
  ],
};

/** Every command of the corpus. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    command: COMMAND.ACK,
    key: 'ack',
    name: 'Ack',
    meaning: 'acknowledges a request (its request id); carries a status',
    requestId: 'response',
    fields: [
      { id: 1, name: 'status', type: 'uint', meaning: '0 ok, else an error code', proto: 'uint32' },
      { id: 2, name: 'retry_after_ms', type: 'uint', optional: true, meaning: 'when to retry after a refusal', proto: 'uint32' },
    ],
  },
  {
    command: COMMAND.KEEPALIVE,
    key: 'keepalive',
    name: 'Keepalive',
    meaning: 'session keepalive; the peer echoes the nonce',
    requestId: 'none',
    fields: [
      { id: 1, name: 'nonce', type: 'fixed64', meaning: 'random 64-bit nonce, echoed back' },
      { id: 2, name: 'sent_ms', type: 'uint', meaning: 'sender clock, ms since the Unix epoch (RTT and skew)' },
    ],
  },
  {
    command: COMMAND.CERTIFICATE_ISSUED,
    key: 'certificate_issued',
    name: CERTIFICATE.name,
    meaning: 'login server to device: a fresh device certificate',
    requestId: 'response',
    fields: CERTIFICATE.fields,
  },
  {
    command: COMMAND.DIRECTORY_PUBLISH,
    key: 'directory_publish',
    name: DIRECTORY_RECORD.name,
    meaning: 'device to the slot replicas of its user: the new signed record',
    requestId: 'request',
    fields: DIRECTORY_RECORD.fields,
  },
  {
    command: COMMAND.DIRECTORY_LOOKUP,
    key: 'directory_lookup',
    name: 'DirectoryLookup',
    meaning: 'finds the record of a user',
    requestId: 'request',
    fields: [
      { id: 1, name: 'username', type: 'string', meaning: 'the user looked up' },
      { id: 2, name: 'flags', type: 'uint', meaning: 'bits: 1 presence, 2 candidates, 4 offline devices too', proto: 'uint32' },
      { id: 3, name: 'known_sequence', type: 'uint', optional: true, meaning: 'sequence of a cached copy (answer may be "not modified")' },
    ],
  },
  {
    command: COMMAND.DIRECTORY_LOOKUP_REPLY,
    key: 'directory_lookup_reply',
    name: 'DirectoryLookupReply',
    meaning: 'a slot replica answers a lookup',
    requestId: 'response',
    fields: [
      { id: 1, name: 'status', type: 'uint', meaning: '0 found, 1 not found, 2 not modified', proto: 'uint32' },
      { id: 2, name: 'slot', type: 'uint', meaning: 'directory slot of the username (0-2047)', proto: 'uint32' },
      { id: 3, name: 'record', type: 'list', list: DIRECTORY_RECORD, optional: true, meaning: 'the record, when found' },
    ],
  },
  {
    command: COMMAND.PRESENCE_UPDATE,
    key: 'presence_update',
    name: 'PresenceUpdate',
    meaning: 'a device changed presence; pushed to watchers',
    requestId: 'none',
    fields: [
      { id: 1, name: 'username', type: 'string', meaning: 'the user' },
      { id: 2, name: 'device_id', type: 'blob', meaning: 'the device (16 bytes)' },
      { id: 3, name: 'status', type: 'uint', meaning: 'presence: 0 offline, 1 online, 2 away, 3 busy, 4 DND', proto: 'uint32' },
      { id: 4, name: 'mood', type: 'string', optional: true, meaning: 'mood text' },
      { id: 5, name: 'sequence', type: 'uint', meaning: 'per-device presence counter (orders updates)' },
      { id: 6, name: 'changed_ms', type: 'uint', meaning: 'when it changed, ms since the Unix epoch' },
    ],
  },
  {
    command: COMMAND.CALL_INVITE,
    key: 'call_invite',
    name: 'CallInvite',
    meaning: 'caller to every device of the callee: ring',
    requestId: 'request',
    fields: [
      { id: 1, name: 'call_id', type: 'blob', meaning: 'call id, 16 random bytes' },
      { id: 2, name: 'caller', type: 'string', meaning: 'calling user' },
      { id: 3, name: 'caller_device_id', type: 'blob', meaning: 'calling device (16 bytes)' },
      { id: 4, name: 'callee', type: 'string', meaning: 'called user' },
      { id: 5, name: 'media_offer', type: 'uintList', meaning: 'per codec: id, clock Hz, channels, frame ms, max bit/s, flags (1 FEC, 2 DTX)' },
      { id: 6, name: 'ephemeral_key', type: 'blob', meaning: 'X25519 ephemeral public key (32 bytes) for the media handshake' },
      { id: 7, name: 'candidate', type: 'list', list: CANDIDATE, repeated: true, meaning: 'caller address candidates' },
      { id: 8, name: 'sent_ms', type: 'uint', meaning: 'when the call was placed, ms since the Unix epoch' },
      { id: 9, name: 'call_flags', type: 'uint', optional: true, meaning: 'bits: 1 video, 2 conference', proto: 'uint32' },
    ],
  },
  {
    command: COMMAND.CHAT_MESSAGE,
    key: 'chat_message',
    name: 'ChatMessage',
    meaning: 'chat message envelope, the plaintext before end-to-end encryption',
    requestId: 'request',
    fields: [
      { id: 1, name: 'conversation_id', type: 'blob', meaning: 'conversation, 16 random bytes' },
      { id: 2, name: 'message_id', type: 'blob', meaning: 'message id, 16 bytes, UUIDv7 layout (time-ordered)' },
      { id: 3, name: 'sender', type: 'string', meaning: 'sending user' },
      { id: 4, name: 'sender_device_id', type: 'blob', meaning: 'sending device (16 bytes)' },
      { id: 5, name: 'sent_ms', type: 'uint', meaning: 'sender clock, ms since the Unix epoch' },
      { id: 6, name: 'text', type: 'string', meaning: 'message text (UTF-8)' },
      { id: 7, name: 'reply_to', type: 'blob', optional: true, meaning: 'message id this one answers' },
    ],
  },
  {
    command: COMMAND.CHAT_TYPING,
    key: 'chat_typing',
    name: 'ChatTyping',
    meaning: 'typing notice in a conversation',
    requestId: 'none',
    fields: [
      { id: 1, name: 'conversation_id', type: 'blob', meaning: 'conversation, 16 bytes' },
      { id: 2, name: 'sender', type: 'string', meaning: 'typing user' },
      { id: 3, name: 'sender_device_id', type: 'blob', meaning: 'typing device (16 bytes)' },
      { id: 4, name: 'state', type: 'uint', meaning: '1 typing, 0 stopped', proto: 'uint32' },
    ],
  },
  {
    command: COMMAND.RELAY_ALLOCATE,
    key: 'relay_allocate',
    name: 'RelayAllocate',
    meaning: 'device to a supernode: allocate a relayed address',
    requestId: 'request',
    fields: [
      { id: 1, name: 'username', type: 'string', meaning: 'requesting user' },
      { id: 2, name: 'device_id', type: 'blob', meaning: 'requesting device (16 bytes)' },
      { id: 3, name: 'lifetime_s', type: 'uint', meaning: 'requested lifetime, seconds', proto: 'uint32' },
      { id: 4, name: 'bandwidth_bps', type: 'uint', meaning: 'requested bandwidth, bit/s' },
      { id: 5, name: 'transport', type: 'uint', meaning: '0 UDP, 1 TCP, 2 TLS on 443', proto: 'uint32' },
      { id: 6, name: 'family', type: 'uint', meaning: 'address family wanted: 4 or 6', proto: 'uint32' },
    ],
  },
  {
    command: COMMAND.RELAY_ALLOCATED,
    key: 'relay_allocated',
    name: 'RelayAllocated',
    meaning: 'supernode to device: the allocation',
    requestId: 'response',
    fields: [
      { id: 1, name: 'relayed_address', type: 'address', meaning: 'the relayed transport address' },
      { id: 2, name: 'mapped_address', type: 'address', meaning: 'the device address as the relay sees it' },
      { id: 3, name: 'lifetime_s', type: 'uint', meaning: 'granted lifetime, seconds', proto: 'uint32' },
      { id: 4, name: 'byte_quota', type: 'uint', meaning: 'bytes the allocation may relay' },
      { id: 5, name: 'token', type: 'blob', meaning: 'allocation token (24-32 bytes) that peers present' },
      { id: 6, name: 'expires_ms', type: 'uint', meaning: 'expiry, ms since the Unix epoch' },
    ],
  },
];

const BY_COMMAND = new Map(COMMANDS.map((c) => [c.command, c]));

/** The table of a command id, or undefined if the corpus has no such command. */
export function commandSpec(command: number): CommandSpec | undefined {
  return BY_COMMAND.get(command);
}
