/**
 * What a supernode keeps on disk across restarts (SQLite, WAL, in its data directory): the
 * membership table and the incarnation it last used, so that it rejoins from the table it had
 * and its return outranks its old failure.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

import type { MemberEntry } from '../overlay/membership/table.js';
import type { MemberEventKind } from '../overlay/membership/messages.js';

export const SUPERNODE_DB_FILE = 'supernode.db';

/** The supernode's state database. */
export class SupernodeStateStore {
  private readonly db: Database.Database;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, SUPERNODE_DB_FILE));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS members (id TEXT PRIMARY KEY, incarnation INTEGER NOT NULL, state TEXT NOT NULL, certificate BLOB, changed_at INTEGER NOT NULL);`);
  }

  /** The next incarnation to use (one above the last one saved), saved at once so a crash cannot reuse it. */
  nextIncarnation(): number {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'incarnation'").get() as { value: string } | undefined;
    const next = row ? Number(row.value) + 1 : 0;
    this.saveIncarnation(next);
    return next;
  }

  /** Records the incarnation in use (it can rise while running, by refutation). */
  saveIncarnation(incarnation: number): void {
    this.db.prepare("INSERT INTO meta (key, value) VALUES ('incarnation', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(incarnation));
  }

  /** The saved membership table. */
  loadMembers(): MemberEntry[] {
    const rows = this.db.prepare('SELECT id, incarnation, state, certificate, changed_at FROM members').all() as { id: string; incarnation: number; state: MemberEventKind; certificate: Buffer | null; changed_at: number }[];
    return rows.map((r) => ({ id: r.id, incarnation: r.incarnation, state: r.state, certificate: r.certificate ? new Uint8Array(r.certificate) : null, changedAt: r.changed_at }));
  }

  /** Replaces the saved table in one transaction. */
  saveMembers(entries: readonly MemberEntry[]): void {
    const insert = this.db.prepare('INSERT INTO members (id, incarnation, state, certificate, changed_at) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM members').run();
      for (const e of entries) insert.run(e.id, e.incarnation, e.state, e.certificate ? Buffer.from(e.certificate) : null, e.changedAt);
    })();
  }

  close(): void {
    this.db.close();
  }
}
