/**
 * The membership protocol's messages (commands 0x0210-0x021f), exchanged between supernodes over
 * their secure sessions: SWIM-style probes (ping, ack, ping-req), membership events reported to
 * block leaders and spread in batches, joins with a table transfer, and anti-entropy by digests.
 */

import { bytes, defineMessage, defineProtocol, enumeration, field, optional, repeated, struct, uint, uintList } from '../../wire/schema.js';

/** What happened to a member (SWIM: alive refutes suspicion with a higher incarnation). */
export const MEMBER_EVENT_KINDS = ['alive', 'failed', 'left'] as const;
export type MemberEventKind = (typeof MEMBER_EVENT_KINDS)[number];

/** Events per message (a batch or a table chunk stays far below a datagram's 65,000 bytes). */
export const EVENTS_PER_MESSAGE_MAX = 100;
/** Summaries per message (ids with incarnation and state): 4 objects each, below the decoder's 4,096 objects. */
export const SUMMARIES_PER_MESSAGE_MAX = 1000;

const memberId = bytes(32);
export const memberEvent = struct({
  kind: field(1, enumeration(MEMBER_EVENT_KINDS)),
  id: field(2, memberId),
  incarnation: field(3, uint()),
  /** The member's supernode certificate (alive events only). */
  certificate: optional(4, bytes({ maxBytes: 4096 })),
});
const summary = struct({ id: field(1, memberId), incarnation: field(2, uint()), kind: field(3, enumeration(MEMBER_EVENT_KINDS)) });

export const Ping = defineMessage('ping', 0x0210, { seq: field(1, uint()) });
export const Ack = defineMessage('ack', 0x0211, { seq: field(1, uint()) });
/** Probe `target` for me and ack `seq` if it answers (SWIM's indirect probe). */
export const PingReq = defineMessage('ping-req', 0x0212, { seq: field(1, uint()), target: field(2, memberId) });
/** Events a member saw, for its block leader to spread. */
export const Report = defineMessage('report', 0x0213, { events: repeated(1, memberEvent) });
/** Events spread by leaders: to leaders before `until` in leader order (a broadcast tree; acknowledged by `seq`), or to a block's members (`until` absent, `local`). */
export const Batch = defineMessage('batch', 0x0214, { events: repeated(1, memberEvent), until: optional(2, memberId), local: optional(3, uint({ max: 1 })), seq: optional(4, uint()) });
/** A new (or restarted) supernode asks a bootstrap member for the table. */
export const Join = defineMessage('join', 0x0215, { certificate: field(1, bytes({ maxBytes: 4096 })), incarnation: field(2, uint()) });
/** Table entries, in chunks (answer to join or pull). */
export const Entries = defineMessage('entries', 0x0216, { events: repeated(1, memberEvent) });
/** A digest of the table per bucket of ids (first 4 bits), for anti-entropy. */
export const Digest = defineMessage('digest', 0x0217, { buckets: repeated(1, bytes(8)) });
/** What this member holds in the buckets whose digests differed. */
export const Summary = defineMessage('summary', 0x0218, {
  items: repeated(1, summary),
  reply: optional(2, uint({ max: 1 })),
  buckets: field(3, uintList({ max: 15, maxItems: 16 })),
  /** The answer to a join (no items): `entries` names members the joiner asks for the table's buckets. */
  join: optional(4, uint({ max: 1 })),
  /** With a join's answer: entries of a few members (the one answering included). */
  entries: repeated(5, memberEvent),
});
/** Asks for the entries of these ids. */
export const Pull = defineMessage('pull', 0x0219, { ids: repeated(1, memberId) });

/** Everything a supernode may receive in this protocol. */
export const MEMBERSHIP_PROTOCOL = defineProtocol('membership', [Ping, Ack, PingReq, Report, Batch, Join, Entries, Digest, Summary, Pull] as const);
