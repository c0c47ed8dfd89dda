/**
 * Where a replica keeps offline messages: opaque, end-to-end encrypted blobs for one recipient
 * account, until every device of the recipient has acknowledged them or they expire. One
 * interface, two implementations: SQLite on disk (the supernode's, durable across restarts)
 * and memory (the simulator's). Quotas are enforced here, where the counts are.
 */

/** Largest blob (an encrypted message fits one transport packet with room for the envelope). */
export const OFFLINE_BLOB_MAX_BYTES = 60_000;
/** Default life of an offline message: 30 days. */
export const OFFLINE_TTL_DEFAULT_MS = 30 * 24 * 60 * 60 * 1000;
/** Longest life a sender may ask for. */
export const OFFLINE_TTL_MAX_MS = OFFLINE_TTL_DEFAULT_MS;

/** Per-recipient and per-sender limits of one replica. */
export interface OfflineQuotas {
  /** Messages waiting for one recipient. */
  readonly messagesPerRecipient: number;
  /** Bytes waiting for one recipient. */
  readonly bytesPerRecipient: number;
  /** Messages from one sender waiting for one recipient (so one sender cannot fill another's box). */
  readonly messagesPerSenderPerRecipient: number;
  /** Messages on this replica in all. */
  readonly messagesTotal: number;
}

/** The defaults. */
export const DEFAULT_OFFLINE_QUOTAS: OfflineQuotas = Object.freeze({
  messagesPerRecipient: 10_000,
  bytesPerRecipient: 100 * 1024 * 1024,
  messagesPerSenderPerRecipient: 1_000,
  messagesTotal: 10_000_000,
});

/** One stored message. */
export interface StoredMessage {
  /** 16 bytes chosen by the sender (a UUIDv7): the same message sent twice is stored once. */
  readonly id: Uint8Array;
  readonly recipient: string;
  readonly sender: string;
  readonly slot: number;
  readonly blob: Uint8Array;
  readonly storedAt: number;
  readonly expiresAt: number;
}

/** What an append did. */
export type AppendOutcome = 'stored' | 'duplicate' | 'QUOTA_RECIPIENT' | 'QUOTA_SENDER' | 'QUOTA_TOTAL';

/** The storage of offline messages. */
export interface OfflineStorage {
  /** Stores a message unless it is known or a quota is full. */
  append(m: StoredMessage, quotas: OfflineQuotas): AppendOutcome;
  /** Messages for `recipient` that `deviceId` has not acknowledged and that have not expired, oldest first. */
  pending(recipient: string, deviceId: Uint8Array, now: number, limit: number): StoredMessage[];
  /** Records `deviceId`'s acknowledgements; removes a message once every device in `devices` has acknowledged it. */
  ack(recipient: string, deviceId: Uint8Array, ids: readonly Uint8Array[], devices: readonly Uint8Array[]): void;
  /** The devices that acknowledged a message. */
  ackedBy(id: Uint8Array): Uint8Array[];
  /** Every message of a slot, with who acknowledged it (for a new replica). */
  slot(slot: number, now: number): { message: StoredMessage; ackedBy: Uint8Array[] }[];
  /** Removes the messages of a slot (it moved away). */
  dropSlot(slot: number): number;
  /** Removes expired messages; how many. */
  expire(now: number): number;
  /** Messages and blob bytes stored. */
  size(): { messages: number; bytes: number };
  close(): void;
}
