/**
 * Relays on supernodes (issue #7; Skype's supernodes relayed for peers that could not reach each
 * other): a device opens an allocation at one of the supernodes the other device is attached to,
 * and both send opaque datagrams through it. The datagrams are the two devices' own end-to-end
 * session packets (peer-links.ts): the supernode carries ciphertext it holds no key for. Client to
 * supernode 0x0260-0x0264; supernode to client, unasked, 0x0265-0x0266.
 */

import { bytes, defineMessage, defineProtocol, field, string, uint } from '../../wire/schema.js';

/** Largest datagram relayed: a session packet of the largest peer envelope (60,000 bytes) and its headers. */
export const RELAY_DATA_MAX_BYTES = 64_000;
/** Bytes of an allocation's id. */
export const RELAY_ALLOCATION_BYTES = 16;

const allocation = bytes(RELAY_ALLOCATION_BYTES);
const data = bytes({ maxBytes: RELAY_DATA_MAX_BYTES });

/** Client: open an allocation to `recipient`'s device `deviceId`, which must have a session here. */
export const RelayOpen = defineMessage('relay-open', 0x0260, { recipient: field(1, string({ minBytes: 1, maxBytes: 256 })), deviceId: field(2, bytes(16)) });
/** The allocation and what is left of it: time, bytes, and its rate. */
export const RelayOpened = defineMessage('relay-opened', 0x0261, { allocation: field(1, allocation), lifetimeMs: field(2, uint()), bytesLeft: field(3, uint()), bytesPerSecond: field(4, uint()) });
/** Either end of an allocation: pass `data` to the other end (no reply). */
export const RelaySend = defineMessage('relay-send', 0x0262, { allocation: field(1, allocation), data: field(2, data) });
/** Either end: keep the allocation (it closes after a while with neither this nor data); answered by relay-opened. */
export const RelayRefresh = defineMessage('relay-refresh', 0x0263, { allocation: field(1, allocation) });
/** Either end: close the allocation (no reply; the other end hears relay-closed). */
export const RelayClose = defineMessage('relay-close', 0x0264, { allocation: field(1, allocation) });
/** Supernode to an end, unasked: data from the other end. */
export const RelayData = defineMessage('relay-data', 0x0265, { allocation: field(1, allocation), data: field(2, data) });
/** Supernode to an end, unasked: the allocation is gone, and why (CLOSED, EXPIRED, BYTES, GONE). */
export const RelayClosed = defineMessage('relay-closed', 0x0266, { allocation: field(1, allocation), code: field(2, string({ maxBytes: 40 })) });

/** What a client sends a supernode about relays. */
export const RELAY_CLIENT_PROTOCOL = defineProtocol('relay-client', [RelayOpen, RelaySend, RelayRefresh, RelayClose] as const);
/** What a supernode pushes to a client about relays. */
export const RELAY_PUSH_PROTOCOL = defineProtocol('relay-push', [RelayData, RelayClosed] as const);
