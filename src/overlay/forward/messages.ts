/**
 * Forwarding between devices through supernodes (the Skype way of reaching a peer behind any NAT
 * for signalling and chat): a device hands an opaque, end-to-end encrypted blob to its supernode
 * for one device of a user, naming the supernodes that device's signed record says it is attached
 * to; those supernodes push it to the device's session. Between supernodes 0x0250-0x0257, from a
 * client to its supernode 0x0258-0x025f.
 */

import { bytes, defineMessage, defineProtocol, field, optional, repeated, string, uint } from '../../wire/schema.js';

/** Largest blob forwarded (an envelope). */
export const FORWARD_BLOB_MAX_BYTES = 60_000;
/** Supernodes one forward goes to at most (a record names at most 4). */
export const FORWARD_TARGETS_MAX = 4;

const accountKey = string({ minBytes: 1, maxBytes: 64 });
const deviceId = bytes(16);
const blob = bytes({ maxBytes: FORWARD_BLOB_MAX_BYTES });

/** Supernode to supernode: push this to your sessions of `recipient`'s device. */
export const PeerForward = defineMessage('peer-forward', 0x0250, { recipient: field(1, accountKey), deviceId: field(2, deviceId), sender: field(3, accountKey), senderDevice: field(4, deviceId), blob: field(5, blob) });

/** Client: pass `blob` to `recipient`'s device `deviceId`, through the supernodes its record names. */
export const Forward = defineMessage('forward', 0x0258, { recipient: field(1, string({ minBytes: 1, maxBytes: 256 })), deviceId: field(2, deviceId), supernodes: repeated(3, bytes(32)), blob: field(4, blob) });
/** To how many of those supernodes it went (0: none is alive; `code` says why). */
export const ForwardResult = defineMessage('forward-result', 0x0259, { sent: field(1, uint()), code: optional(2, string({ maxBytes: 40 })) });
/** Supernode to client, unasked: a blob from another device (its account and device as its own supernode knew them). */
export const Forwarded = defineMessage('forwarded', 0x025a, { sender: field(1, accountKey), senderDevice: field(2, deviceId), blob: field(3, blob) });

/** What supernodes send each other. */
export const FORWARD_PEER_PROTOCOL = defineProtocol('forward-peer', [PeerForward] as const);
/** What a client sends its supernode. */
export const FORWARD_CLIENT_PROTOCOL = defineProtocol('forward-client', [Forward] as const);
