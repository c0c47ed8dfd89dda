/**
 * What two devices say on a direct session (0x0320-0x0327, in the chat protocol's range): an
 * envelope (chat/envelope.ts, already end-to-end sealed and signed) and the answer that it was
 * taken: stored, or handled before. `accepted: false` means it was refused (unreadable, or the
 * sender is over its rate), and the sender falls back to its supernodes.
 */

import { FORWARD_BLOB_MAX_BYTES } from '../overlay/forward/messages.js';
import { bool, bytes, defineMessage, defineProtocol, field } from '../wire/schema.js';

/** An envelope for the receiving device. */
export const PeerEnvelope = defineMessage('peer-envelope', 0x0320, { blob: field(1, bytes({ maxBytes: FORWARD_BLOB_MAX_BYTES })) });
/** The answer to a peer-envelope (same request id). */
export const PeerAck = defineMessage('peer-ack', 0x0321, { accepted: field(1, bool()) });

/** The direct-session protocol. */
export const PEER_PROTOCOL = defineProtocol('peer', [PeerEnvelope, PeerAck] as const);
