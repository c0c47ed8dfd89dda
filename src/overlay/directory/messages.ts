/**
 * The directory protocol's messages: between supernodes (0x0220-0x022f: records at the slot
 * replicas, slot transfers, presence subscriptions) and between a client and its supernode
 * (0x0230-0x023f: publish, look up, watch and unwatch). Records travel as their signed bytes
 * (user-record.ts); every receiver verifies them.
 */

import { bytes, defineMessage, defineProtocol, field, optional, repeated, string, uint } from '../../wire/schema.js';
import { USER_RECORD_MAX_BYTES } from '../user-record.js';

/** Records per message (a slot transfer is chunked). */
export const RECORDS_PER_MESSAGE_MAX = 32;

const record = bytes({ maxBytes: USER_RECORD_MAX_BYTES });
const accountKey = string({ minBytes: 1, maxBytes: 64 });

/** Store a record (to each replica of its slot). */
export const RecordPut = defineMessage('record-put', 0x0220, { record: field(1, record) });
/** A replica's answer to a put: stored (1) or refused with a code. */
export const RecordPutResult = defineMessage('record-put-result', 0x0221, { stored: field(1, uint({ max: 1 })), code: optional(2, string({ maxBytes: 40 })) });
/** An account's records, please. */
export const RecordGet = defineMessage('record-get', 0x0222, { accountKey: field(1, accountKey) });
/** An account's records (none: not known here). */
export const RecordSet = defineMessage('record-set', 0x0223, { accountKey: field(1, accountKey), records: repeated(2, record) });
/** The records of a slot, please (a new replica fills itself). */
export const SlotPull = defineMessage('slot-pull', 0x0224, { slot: field(1, uint()) });
/** Records of a slot (answer to a pull, or a leaving replica's hand-over). */
export const SlotRecords = defineMessage('slot-records', 0x0225, { slot: field(1, uint()), records: repeated(2, record) });
/** Tell me (a supernode with watching clients) when this account's records change. */
export const Subscribe = defineMessage('subscribe', 0x0226, { accountKey: field(1, accountKey), ttlMs: field(2, uint()) });
/** A record changed (replica to watching supernode, supernode to watching client). */
export const RecordChanged = defineMessage('record-changed', 0x0227, { record: field(1, record) });

/** Client: publish my record. */
export const Publish = defineMessage('publish', 0x0230, { record: field(1, record) });
/** How many replicas stored it, of how many. */
export const Published = defineMessage('published', 0x0231, { stored: field(1, uint()), replicas: field(2, uint()) });
/** Client: this user's records, please. */
export const Lookup = defineMessage('lookup', 0x0232, { username: field(1, string({ minBytes: 1, maxBytes: 256 })) });
/** The records found (empty: no device of that user is published). */
export const LookupResult = defineMessage('lookup-result', 0x0233, { records: repeated(1, record) });
/** Client: push me this user's record changes. */
export const Watch = defineMessage('watch', 0x0234, { username: field(1, string({ minBytes: 1, maxBytes: 256 })) });
/** Client: stop pushing me this user's record changes. */
export const Unwatch = defineMessage('unwatch', 0x0235, { username: field(1, string({ minBytes: 1, maxBytes: 256 })) });
/** Client: some supernodes I could attach to (max 0: just an answer, a liveness probe). */
export const ListSupernodes = defineMessage('list-supernodes', 0x0236, { max: field(1, uint({ max: 50 })) });
/** Supernode certificates (the client checks them against the CA and takes their endpoints). */
export const SupernodeList = defineMessage('supernode-list', 0x0237, { certificates: repeated(1, bytes({ maxBytes: 4096 })) });
/** A refusal or failure, with a stable code. */
export const DirectoryError = defineMessage('directory-error', 0x023f, { code: field(1, string({ maxBytes: 40 })), reason: field(2, string({ maxBytes: 300 })) });

/** What supernodes send each other. */
export const DIRECTORY_PEER_PROTOCOL = defineProtocol('directory-peer', [RecordPut, RecordPutResult, RecordGet, RecordSet, SlotPull, SlotRecords, Subscribe, RecordChanged, DirectoryError] as const);
/** What a client sends its supernode. */
export const DIRECTORY_CLIENT_PROTOCOL = defineProtocol('directory-client', [Publish, Lookup, Watch, Unwatch, ListSupernodes] as const);
