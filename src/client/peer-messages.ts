/**
 * What two devices say on their session (0x0320-0x0327, in the chat protocol's range), whatever
 * path it runs on (direct UDP, or a supernode's relay):
 *
 * - an envelope (chat/envelope.ts, already end-to-end sealed and signed) and the answer that it
 *   was taken: stored, or handled before. `accepted: false` means it was refused (unreadable, or
 *   the sender is over its rate), and the sender falls back to its supernodes;
 * - connectivity checks (path-checks.ts): each device's address candidates, sent on the session
 *   (so through the relay, end-to-end encrypted, while there is no direct path), and the probes and
 *   answers sent to those addresses on the session's keys;
 * - `peer-path`: "I send to you on the path this came on" (ICE's nomination), so the other device
 *   moves there too;
 * - `peer-echo`, answered with the same bytes: a round trip over the session (`parley reach`);
 * - calls: signalling and media (call/call-messages.ts, 0x0328-0x032a).
 */

import { CALL_MESSAGES } from '../call/call-messages.js';
import { FORWARD_BLOB_MAX_BYTES } from '../overlay/forward/messages.js';
import { bool, bytes, defineMessage, defineProtocol, field, optional, repeated, string } from '../wire/schema.js';

/** Candidates a device offers at most, of each kind. */
export const PEER_CANDIDATES_OFFERED_MAX = 16;

/** An envelope for the receiving device. */
export const PeerEnvelope = defineMessage('peer-envelope', 0x0320, { blob: field(1, bytes({ maxBytes: FORWARD_BLOB_MAX_BYTES })) });
/** The answer to a peer-envelope (same request id). */
export const PeerAck = defineMessage('peer-ack', 0x0321, { accepted: field(1, bool()) });
/** A connectivity check sent to one address of the other device; answered there by peer-probe-ack with the same nonce. */
export const PeerProbe = defineMessage('peer-probe', 0x0322, { nonce: field(1, bytes(8)) });
export const PeerProbeAck = defineMessage('peer-probe-ack', 0x0323, { nonce: field(1, bytes(8)) });
/**
 * This device's address candidates ("udp:host:port"): its host addresses and those its supernodes
 * see (server-reflexive); `hard` when two supernodes saw different ports (its NAT maps every
 * destination anew: birthday.ts).
 */
export const PeerCandidates = defineMessage('peer-candidates', 0x0324, {
  host: repeated(1, string({ maxBytes: 64 })),
  reflexive: repeated(2, string({ maxBytes: 64 })),
  hard: optional(3, bool()),
});
/** The sender now sends on the path this message came on. */
export const PeerPath = defineMessage('peer-path', 0x0325, {});

/** Bytes an echo carries at most. */
export const PEER_ECHO_MAX_BYTES = 1024;
/** Send these bytes back (same request id). */
export const PeerEcho = defineMessage('peer-echo', 0x0326, { data: field(1, bytes({ maxBytes: PEER_ECHO_MAX_BYTES })) });
export const PeerEchoReply = defineMessage('peer-echo-reply', 0x0327, { data: field(1, bytes({ maxBytes: PEER_ECHO_MAX_BYTES })) });

/** The peer session protocol. */
export const PEER_PROTOCOL = defineProtocol('peer', [PeerEnvelope, PeerAck, PeerProbe, PeerProbeAck, PeerCandidates, PeerPath, PeerEcho, PeerEchoReply, ...CALL_MESSAGES] as const);
