/**
 * What two devices say about calls on their session (0x0328-0x032a, after peer-messages.ts), so
 * end-to-end encrypted whatever path the session runs on (a supernode's relay or direct):
 *
 * - `peer-call`: a signalling message of one call (call-machine.ts's CallMessage), numbered per
 *   call and sender so that a message sent again is handled once; answered by `peer-call-ack`
 *   with the same call and number.
 * - `peer-media`: one packet of a call's audio (media-stream.ts): stream id, sequence number and
 *   timestamp, the Opus packet, the previous frame's packet when redundancy is on, and now and
 *   then the sender's report of what it received. Not answered: a lost packet is recovered or
 *   concealed at the other end, never sent again.
 */

import { USERNAME_MAX_BYTES } from '../login/username.js';
import { bool, bytes, defineMessage, enumeration, field, optional, repeated, string, struct, uint } from '../wire/schema.js';

/** Largest Opus packet (RFC 6716: 1275 bytes per frame). */
export const OPUS_PACKET_MAX_BYTES = 1275;
/** Call ids are 16 random bytes. */
export const CALL_ID_BYTES = 16;

export const CALL_SIGNALS = ['invite', 'ringing', 'answer', 'decline', 'busy', 'cancel', 'bye', 'hold', 'resume', 'mute', 'roster'] as const;
export const CANCEL_REASONS = ['cancelled', 'answered-elsewhere', 'no-answer'] as const;

export const PeerCall = defineMessage('peer-call', 0x0328, {
  call: field(1, bytes(CALL_ID_BYTES)),
  n: field(2, uint({ max: 0xffffffff })),
  signal: field(3, enumeration(CALL_SIGNALS)),
  muted: optional(4, bool()),
  reason: optional(5, enumeration(CANCEL_REASONS)),
  /** A conference's participants (usernames, the host first): with an invitation, or the `roster` signal. */
  roster: repeated(6, string({ maxBytes: USERNAME_MAX_BYTES })),
  /** On a `bye`: the host left, and the conference is over. */
  endsConference: optional(7, bool()),
});
export const PeerCallAck = defineMessage('peer-call-ack', 0x0329, { call: field(1, bytes(CALL_ID_BYTES)), n: field(2, uint({ max: 0xffffffff })) });

/** A receiver's report (RTCP's receiver report, and its round-trip fields, in small). */
export const MediaReport = struct({
  /** Packets received and expected (from sequence numbers), since the stream began. */
  received: field(1, uint({ max: 0xffffffff })),
  expected: field(2, uint({ max: 0xffffffff })),
  /** Interarrival jitter (RFC 3550), in tenths of a millisecond. */
  jitter: field(3, uint({ max: 0xffffffff })),
  /** Frames the listener did not hear (lost and concealed) per mille of frames played, since the stream began. */
  unheard: field(4, uint({ max: 1000 })),
  /** The sender's clock (ms, 32 bits); echoed by the other side with the time it held it, for the round trip. */
  sentAt: field(5, uint({ max: 0xffffffff })),
  echo: optional(6, uint({ max: 0xffffffff })),
  held: optional(7, uint({ max: 0xffffffff })),
});

export const PeerMedia = defineMessage('peer-media', 0x032a, {
  stream: field(1, uint({ max: 0xffffffff })),
  seq: field(2, uint({ max: 0xffff })),
  timestamp: field(3, uint({ max: 0xffffffff })),
  /** Empty in a packet that carries only a report (the sender is silent or holds). */
  payload: field(4, bytes({ maxBytes: OPUS_PACKET_MAX_BYTES })),
  redundant: optional(5, bytes({ maxBytes: OPUS_PACKET_MAX_BYTES })),
  report: optional(6, MediaReport),
  /** The call the stream belongs to. */
  call: field(7, bytes(CALL_ID_BYTES)),
});

export const CALL_MESSAGES = [PeerCall, PeerCallAck, PeerMedia] as const;
