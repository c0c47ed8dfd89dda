/**
 * Offline-message and session-identity messages: between supernodes 0x0228-0x022e (at the
 * recipient's slot replicas) and from a client to its supernode 0x0238-0x023e. Blobs are opaque
 * (end-to-end encrypted by the devices); supernodes see only who they are for and from whom.
 */

import { bytes, defineMessage, defineProtocol, field, optional, repeated, string, struct, uint } from '../../wire/schema.js';
import { OFFLINE_BLOB_MAX_BYTES } from './storage.js';

const accountKey = string({ minBytes: 1, maxBytes: 64 });
const messageId = bytes(16);
const blob = bytes({ maxBytes: OFFLINE_BLOB_MAX_BYTES });
const deviceId = bytes(16);

/** Messages per reply to a fetch (the client fetches again for more). */
export const OFFLINE_FETCH_MAX = 16;

/** Store a message (to each replica of the recipient's slot). */
export const OfflinePut = defineMessage('offline-put', 0x0228, { recipient: field(1, accountKey), sender: field(2, accountKey), id: field(3, messageId), blob: field(4, blob), expiresAt: field(5, uint()) });
/** A replica's answer: stored (or already had it), or refused with a code (a quota). */
export const OfflinePutResult = defineMessage('offline-put-result', 0x0229, { stored: field(1, uint({ max: 1 })), code: optional(2, string({ maxBytes: 40 })) });
/** The messages for a recipient that a device has not acknowledged. */
export const OfflineGet = defineMessage('offline-get', 0x022a, { recipient: field(1, accountKey), deviceId: field(2, deviceId) });
const held = struct({ id: field(1, messageId), sender: field(2, accountKey), blob: field(3, blob), storedAt: field(4, uint()), expiresAt: field(5, uint()) });
/** Messages held for a recipient (answer to offline-get). */
export const OfflineHeld = defineMessage('offline-held', 0x022b, { messages: repeated(1, held) });
/** A device acknowledged these messages (to each replica). */
export const OfflineAckPut = defineMessage('offline-ack-put', 0x022c, { recipient: field(1, accountKey), deviceId: field(2, deviceId), ids: repeated(3, messageId) });
/** The offline messages of a slot, please (a new replica). */
export const OfflineSlotPull = defineMessage('offline-slot-pull', 0x022d, { slot: field(1, uint()) });
/** Offline messages of a slot, with their acknowledgements (answer to a pull, or a hand-over). */
export const OfflineSlot = defineMessage('offline-slot', 0x022e, { slot: field(1, uint()), messages: repeated(2, struct({ recipient: field(1, accountKey), message: field(2, struct({ id: field(1, messageId), sender: field(2, accountKey), blob: field(3, blob), storedAt: field(4, uint()), expiresAt: field(5, uint()) })), ackedBy: repeated(3, deviceId) })) });

/** Client: who I am (my device certificate; its Noise key must be this session's). */
export const Hello = defineMessage('hello', 0x0238, { certificate: field(1, bytes({ maxBytes: 4096 })) });
/** The supernode knows the session as this account's device. */
export const Welcome = defineMessage('welcome', 0x0239, { accountKey: field(1, accountKey) });
/** Client: keep this for `recipient` until their devices fetch it. */
export const OfflineSend = defineMessage('offline-send', 0x023a, { recipient: field(1, string({ minBytes: 1, maxBytes: 256 })), id: field(2, messageId), blob: field(3, blob), ttlMs: optional(4, uint()) });
/** How many replicas stored it, of how many. */
export const OfflineSent = defineMessage('offline-sent', 0x023b, { stored: field(1, uint()), replicas: field(2, uint()), code: optional(3, string({ maxBytes: 40 })) });
/** Client: the messages waiting for me (this device). */
export const OfflineFetch = defineMessage('offline-fetch', 0x023c, {});
/** The messages waiting (at most OFFLINE_FETCH_MAX; fetch again after acknowledging). */
export const OfflineMessages = defineMessage('offline-messages', 0x023d, { messages: repeated(1, held) });
/** Client: this device has these messages now (no reply). */
export const OfflineAck = defineMessage('offline-ack', 0x023e, { ids: repeated(1, messageId) });

/** What supernodes send each other about offline messages. */
export const OFFLINE_PEER_PROTOCOL = defineProtocol('offline-peer', [OfflinePut, OfflinePutResult, OfflineGet, OfflineHeld, OfflineAckPut, OfflineSlotPull, OfflineSlot] as const);
/** What a client sends its supernode about offline messages and its identity. */
export const OFFLINE_CLIENT_PROTOCOL = defineProtocol('offline-client', [Hello, OfflineSend, OfflineFetch, OfflineAck] as const);
