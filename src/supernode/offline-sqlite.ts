/**
 * Offline messages on disk (SQLite, WAL, in the supernode's data directory): durable across
 * restarts and crashes; quotas counted by indexed queries.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

import type { AppendOutcome, OfflineQuotas, OfflineStorage, StoredMessage } from '../overlay/offline/storage.js';

export const OFFLINE_DB_FILE = 'offline.db';

interface Row {
  id: Buffer;
  recipient: string;
  sender: string;
  slot: number;
  blob: Buffer;
  stored_at: number;
  expires_at: number;
}

const toMessage = (r: Row): StoredMessage => ({ id: new Uint8Array(r.id), recipient: r.recipient, sender: r.sender, slot: r.slot, blob: new Uint8Array(r.blob), storedAt: r.stored_at, expiresAt: r.expires_at });

/** Offline messages in SQLite. */
export class SqliteOfflineStorage implements OfflineStorage {
  private readonly db: Database.Database;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, OFFLINE_DB_FILE));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS messages (id BLOB PRIMARY KEY, recipient TEXT NOT NULL, sender TEXT NOT NULL, slot INTEGER NOT NULL, blob BLOB NOT NULL, stored_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS messages_by_recipient ON messages (recipient, stored_at);
      CREATE INDEX IF NOT EXISTS messages_by_slot ON messages (slot);
      CREATE INDEX IF NOT EXISTS messages_by_expiry ON messages (expires_at);
      CREATE TABLE IF NOT EXISTS acks (id BLOB NOT NULL, device BLOB NOT NULL, PRIMARY KEY (id, device));`);
  }

  append(m: StoredMessage, q: OfflineQuotas): AppendOutcome {
    return this.db.transaction((): AppendOutcome => {
      if (this.db.prepare('SELECT 1 FROM messages WHERE id = ?').get(Buffer.from(m.id))) return 'duplicate';
      const total = (this.db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n;
      if (total >= q.messagesTotal) return 'QUOTA_TOTAL';
      const r = this.db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(blob)), 0) AS bytes, COALESCE(SUM(sender = ?), 0) AS mine FROM messages WHERE recipient = ?').get(m.sender, m.recipient) as { n: number; bytes: number; mine: number };
      if (r.n >= q.messagesPerRecipient || r.bytes + m.blob.length > q.bytesPerRecipient) return 'QUOTA_RECIPIENT';
      if (r.mine >= q.messagesPerSenderPerRecipient) return 'QUOTA_SENDER';
      this.db.prepare('INSERT INTO messages (id, recipient, sender, slot, blob, stored_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(Buffer.from(m.id), m.recipient, m.sender, m.slot, Buffer.from(m.blob), m.storedAt, m.expiresAt);
      return 'stored';
    })();
  }

  pending(recipient: string, deviceId: Uint8Array, now: number, limit: number): StoredMessage[] {
    const rows = this.db
      .prepare('SELECT * FROM messages m WHERE recipient = ? AND expires_at > ? AND NOT EXISTS (SELECT 1 FROM acks a WHERE a.id = m.id AND a.device = ?) ORDER BY stored_at, id LIMIT ?')
      .all(recipient, now, Buffer.from(deviceId), limit) as Row[];
    return rows.map(toMessage);
  }

  ack(recipient: string, deviceId: Uint8Array, ids: readonly Uint8Array[], devices: readonly Uint8Array[]): void {
    const insert = this.db.prepare('INSERT OR IGNORE INTO acks (id, device) SELECT id, ? FROM messages WHERE id = ? AND recipient = ?');
    const count = this.db.prepare('SELECT device FROM acks WHERE id = ?');
    const remove = this.db.prepare('DELETE FROM messages WHERE id = ?');
    const removeAcks = this.db.prepare('DELETE FROM acks WHERE id = ?');
    const wanted = devices.map((d) => Buffer.from(d).toString('hex'));
    this.db.transaction(() => {
      for (const id of ids) {
        const key = Buffer.from(id);
        insert.run(Buffer.from(deviceId), key, recipient);
        if (wanted.length === 0) continue;
        const have = new Set((count.all(key) as { device: Buffer }[]).map((r) => r.device.toString('hex')));
        if (wanted.every((d) => have.has(d))) {
          remove.run(key);
          removeAcks.run(key);
        }
      }
    })();
  }

  ackedBy(id: Uint8Array): Uint8Array[] {
    return (this.db.prepare('SELECT device FROM acks WHERE id = ?').all(Buffer.from(id)) as { device: Buffer }[]).map((r) => new Uint8Array(r.device));
  }

  slot(slot: number, now: number): { message: StoredMessage; ackedBy: Uint8Array[] }[] {
    const rows = this.db.prepare('SELECT * FROM messages WHERE slot = ? AND expires_at > ?').all(slot, now) as Row[];
    return rows.map((r) => ({ message: toMessage(r), ackedBy: this.ackedBy(r.id) }));
  }

  dropSlot(slot: number): number {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM acks WHERE id IN (SELECT id FROM messages WHERE slot = ?)').run(slot);
      return this.db.prepare('DELETE FROM messages WHERE slot = ?').run(slot).changes;
    })();
  }

  expire(now: number): number {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM acks WHERE id IN (SELECT id FROM messages WHERE expires_at <= ?)').run(now);
      return this.db.prepare('DELETE FROM messages WHERE expires_at <= ?').run(now).changes;
    })();
  }

  size(): { messages: number; bytes: number } {
    const r = this.db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(blob)), 0) AS bytes FROM messages').get() as { n: number; bytes: number };
    return { messages: r.n, bytes: r.bytes };
  }

  close(): void {
    this.db.close();
  }
}
