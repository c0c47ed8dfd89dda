/**
 * A device's local store (DESIGN.md: "contacts, message history (SQLite)"): messages with full-text
 * search (FTS5), conversations with read marks, contacts, an outbox of envelopes not yet stored
 * at the recipients' replicas, the ids of envelopes already handled, and settings. SQLite in WAL
 * mode through better-sqlite3; every change is one transaction, so a crash loses nothing that was
 * reported done.
 *
 * "Exactly once on screen": a message is added under its id once; the same id again (a second
 * path, a retry, a replica's copy) changes nothing. Message order in a conversation is the order
 * of ids (UUIDv7: time, and per device the order sent).
 */

import Database from 'better-sqlite3';

/** An outgoing message's states, in order (a state never goes back). */
export const OUTGOING_STATES = ['sending', 'sent', 'delivered', 'read'] as const;
export type OutgoingState = (typeof OUTGOING_STATES)[number];
/** An incoming message's states. */
export type IncomingState = 'received' | 'read';

/** A message as stored. */
export interface StoredMessage {
  readonly id: Uint8Array;
  readonly conversation: string;
  readonly sender: string;
  readonly senderDevice: Uint8Array;
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly text: string;
  readonly editedAt: number | null;
  readonly deleted: boolean;
  readonly outgoing: boolean;
  readonly state: OutgoingState | IncomingState;
}

/** A contact and where the relation stands. */
export type ContactState = 'requested' | 'pending' | 'accepted' | 'declined' | 'blocked';
export interface Contact {
  readonly account: string;
  readonly username: string;
  readonly state: ContactState;
  /** The greeting of a request (sent or received). */
  readonly greeting: string | null;
  readonly updatedAt: number;
}

/** A conversation with its last message and unread count. */
export interface ConversationSummary {
  readonly id: string;
  readonly title: string | null;
  readonly members: readonly string[];
  readonly last: StoredMessage | null;
  readonly unread: number;
}

/** An envelope waiting to be stored at a recipient's replicas. */
export interface OutboxItem {
  readonly id: Uint8Array;
  readonly recipient: string;
  readonly envelope: Uint8Array;
  readonly attempts: number;
  readonly nextAt: number;
}

/** A search hit. */
export interface SearchHit {
  readonly message: StoredMessage;
  /** The matching text with the matches in [brackets]. */
  readonly snippet: string;
}

/** Messages one history or search call returns at most. */
export const STORE_PAGE_MAX = 1000;
/** Handled envelope ids are remembered this long (longer than the offline store keeps anything). */
export const SEEN_KEEP_MS = 60 * 24 * 3_600_000;

const SCHEMA_VERSION = 3;
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE messages (
     seq INTEGER PRIMARY KEY,
     id BLOB NOT NULL UNIQUE,
     conversation TEXT NOT NULL,
     sender TEXT NOT NULL,
     sender_device BLOB NOT NULL,
     sent_at INTEGER NOT NULL,
     received_at INTEGER NOT NULL,
     body TEXT NOT NULL,
     edited_at INTEGER,
     deleted INTEGER NOT NULL DEFAULT 0,
     outgoing INTEGER NOT NULL,
     state TEXT NOT NULL
   );
   CREATE INDEX messages_by_conversation ON messages(conversation, id);
   CREATE VIRTUAL TABLE messages_fts USING fts5(body, content='messages', content_rowid='seq', tokenize='unicode61 remove_diacritics 2');
   CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
     INSERT INTO messages_fts(rowid, body) VALUES (new.seq, new.body);
   END;
   CREATE TRIGGER messages_au AFTER UPDATE OF body ON messages BEGIN
     INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.seq, old.body);
     INSERT INTO messages_fts(rowid, body) VALUES (new.seq, new.body);
   END;
   CREATE TABLE conversations (id TEXT PRIMARY KEY, title TEXT, members TEXT NOT NULL, read_up_to BLOB);
   CREATE TABLE contacts (account TEXT PRIMARY KEY, username TEXT NOT NULL, state TEXT NOT NULL, greeting TEXT, updated_at INTEGER NOT NULL);
   CREATE TABLE outbox (id BLOB NOT NULL, recipient TEXT NOT NULL, envelope BLOB NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, PRIMARY KEY (id, recipient));
   CREATE INDEX outbox_due ON outbox(next_at);
   CREATE TABLE seen (id BLOB PRIMARY KEY, at INTEGER NOT NULL);
   CREATE INDEX seen_at ON seen(at);
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // The devices of each account this device has seen (from records and envelopes, all checked
  // against the CA): messages are sealed to them too while they are offline and out of the directory.
  `CREATE TABLE devices (account TEXT NOT NULL, device_id BLOB NOT NULL, noise_key BLOB NOT NULL, last_seen INTEGER NOT NULL, PRIMARY KEY (account, device_id));`,
  // Calls made and received on this device, with their quality (call-manager.ts).
  `CREATE TABLE calls (id TEXT PRIMARY KEY, outgoing INTEGER NOT NULL, peer TEXT NOT NULL, started_at INTEGER NOT NULL, answered_at INTEGER, ended_at INTEGER NOT NULL, reason TEXT NOT NULL, detail TEXT, quality TEXT);
   CREATE INDEX calls_by_start ON calls(started_at);`,
];

/** A call in the history: who with (usernames; several for a conference), when, how it ended, and its quality (JSON). */
export interface CallRecord {
  readonly id: string;
  readonly outgoing: boolean;
  readonly peer: string;
  readonly startedAt: number;
  readonly answeredAt: number | null;
  readonly endedAt: number;
  readonly reason: string;
  readonly detail: string | null;
  readonly quality: unknown;
}

interface MessageRow {
  id: Buffer;
  conversation: string;
  sender: string;
  sender_device: Buffer;
  sent_at: number;
  received_at: number;
  body: string;
  edited_at: number | null;
  deleted: number;
  outgoing: number;
  state: string;
}

const toMessage = (r: MessageRow): StoredMessage => ({
  id: new Uint8Array(r.id),
  conversation: r.conversation,
  sender: r.sender,
  senderDevice: new Uint8Array(r.sender_device),
  sentAt: r.sent_at,
  receivedAt: r.received_at,
  text: r.body,
  editedAt: r.edited_at,
  deleted: r.deleted === 1,
  outgoing: r.outgoing === 1,
  state: r.state as StoredMessage['state'],
});

/** The store of one device. */
export class ClientStore {
  private constructor(private readonly db: Database.Database) {}

  /** Opens (creating and migrating) the store at `path` (':memory:' for tests). */
  static open(path: string): ClientStore {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      db.close();
      throw new Error(`${path} is from a newer Parley (schema ${version}; this one knows ${SCHEMA_VERSION})`);
    }
    db.transaction(() => {
      for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
    return new ClientStore(db);
  }

  close(): void {
    this.db.close();
  }

  /** Adds a message; false (and nothing changes) if its id is already here. */
  addMessage(m: Omit<StoredMessage, 'editedAt' | 'deleted'>, members: readonly string[] = [], title?: string): boolean {
    return this.db.transaction(() => {
      const r = this.db
        .prepare('INSERT OR IGNORE INTO messages (id, conversation, sender, sender_device, sent_at, received_at, body, outgoing, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(Buffer.from(m.id), m.conversation, m.sender, Buffer.from(m.senderDevice), m.sentAt, m.receivedAt, m.text, m.outgoing ? 1 : 0, m.state);
      if (r.changes === 0) return false;
      this.db.prepare('INSERT INTO conversations (id, title, members) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET title = COALESCE(excluded.title, title), members = CASE WHEN excluded.members = \'[]\' THEN members ELSE excluded.members END').run(m.conversation, title ?? null, JSON.stringify(members));
      return true;
    })();
  }

  /** Creates a conversation with no messages yet (a new group), or updates its members and title. */
  ensureConversation(id: string, members: readonly string[], title?: string): void {
    this.db.prepare("INSERT INTO conversations (id, title, members) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET title = COALESCE(excluded.title, title), members = CASE WHEN excluded.members = '[]' THEN members ELSE excluded.members END").run(id, title ?? null, JSON.stringify(members));
  }

  /** A conversation's members and title, or null. */
  conversation(id: string): { id: string; members: string[]; title: string | null } | null {
    const r = this.db.prepare('SELECT id, title, members FROM conversations WHERE id = ?').get(id) as { id: string; title: string | null; members: string } | undefined;
    return r ? { id: r.id, title: r.title, members: JSON.parse(r.members) as string[] } : null;
  }

  /** One message, or null. */
  message(id: Uint8Array): StoredMessage | null {
    const r = this.db.prepare('SELECT * FROM messages WHERE id = ?').get(Buffer.from(id)) as MessageRow | undefined;
    return r ? toMessage(r) : null;
  }

  /** An edit by the message's own sender; false for anyone else, or a deleted or unknown message. */
  edit(id: Uint8Array, by: string, text: string, at: number): boolean {
    return this.db.prepare('UPDATE messages SET body = ?, edited_at = ? WHERE id = ? AND sender = ? AND deleted = 0 AND (edited_at IS NULL OR edited_at < ?)').run(text, at, Buffer.from(id), by, at).changes === 1;
  }

  /** A deletion by the message's own sender: the text is gone (from search too). */
  delete(id: Uint8Array, by: string): boolean {
    return this.db.prepare("UPDATE messages SET body = '', deleted = 1 WHERE id = ? AND sender = ? AND deleted = 0").run(Buffer.from(id), by).changes === 1;
  }

  /** Moves an outgoing message's state forward (never back); whether it moved. */
  advance(id: Uint8Array, state: OutgoingState): boolean {
    const row = this.db.prepare('SELECT state, outgoing FROM messages WHERE id = ?').get(Buffer.from(id)) as { state: string; outgoing: number } | undefined;
    if (!row || row.outgoing !== 1) return false;
    if (OUTGOING_STATES.indexOf(state) <= OUTGOING_STATES.indexOf(row.state as OutgoingState)) return false;
    this.db.prepare('UPDATE messages SET state = ? WHERE id = ?').run(state, Buffer.from(id));
    return true;
  }

  /** A conversation's messages in order: the last `limit` before `before` (an id), oldest first. */
  history(conversation: string, limit = 100, before?: Uint8Array): StoredMessage[] {
    const n = Math.max(1, Math.min(STORE_PAGE_MAX, limit));
    const rows = (before ? this.db.prepare('SELECT * FROM messages WHERE conversation = ? AND id < ? ORDER BY id DESC LIMIT ?').all(conversation, Buffer.from(before), n) : this.db.prepare('SELECT * FROM messages WHERE conversation = ? ORDER BY id DESC LIMIT ?').all(conversation, n)) as MessageRow[];
    return rows.reverse().map(toMessage);
  }

  /** Messages matching `query` (words; a trailing * matches a prefix), newest first. */
  search(query: string, limit = 50): SearchHit[] {
    const words = query.match(/[\p{L}\p{N}_]+\*?/gu) ?? [];
    if (words.length === 0) return [];
    const match = words.map((w) => (w.endsWith('*') ? `"${w.slice(0, -1)}"*` : `"${w}"`)).join(' ');
    const rows = this.db
      .prepare("SELECT m.*, snippet(messages_fts, 0, '[', ']', '…', 12) AS snip FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid WHERE messages_fts MATCH ? AND m.deleted = 0 ORDER BY m.id DESC LIMIT ?")
      .all(match, Math.max(1, Math.min(STORE_PAGE_MAX, limit))) as (MessageRow & { snip: string })[];
    return rows.map((r) => ({ message: toMessage(r), snippet: r.snip }));
  }

  /** Marks a conversation read up to `upTo` (an id); the incoming messages it covers become read. */
  markRead(conversation: string, upTo: Uint8Array): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE conversations SET read_up_to = ? WHERE id = ? AND (read_up_to IS NULL OR read_up_to < ?)').run(Buffer.from(upTo), conversation, Buffer.from(upTo));
      this.db.prepare("UPDATE messages SET state = 'read' WHERE conversation = ? AND outgoing = 0 AND id <= ?").run(conversation, Buffer.from(upTo));
    })();
  }

  /** Every conversation, most recent first, with its last message and unread count. */
  conversations(): ConversationSummary[] {
    const rows = this.db.prepare('SELECT c.id, c.title, c.members, (SELECT COUNT(*) FROM messages m WHERE m.conversation = c.id AND m.outgoing = 0 AND m.state = \'received\') AS unread, (SELECT MAX(id) FROM messages m WHERE m.conversation = c.id) AS last FROM conversations c ORDER BY last DESC').all() as { id: string; title: string | null; members: string; unread: number; last: Buffer | null }[];
    return rows.map((r) => ({ id: r.id, title: r.title, members: JSON.parse(r.members) as string[], unread: r.unread, last: r.last ? this.message(r.last) : null }));
  }

  /** Sets a contact's state (and greeting, when given). */
  setContact(account: string, username: string, state: ContactState, now: number, greeting?: string): void {
    this.db.prepare('INSERT INTO contacts (account, username, state, greeting, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(account) DO UPDATE SET username = excluded.username, state = excluded.state, greeting = COALESCE(excluded.greeting, greeting), updated_at = excluded.updated_at').run(account, username, state, greeting ?? null, now);
  }

  removeContact(account: string): boolean {
    return this.db.prepare('DELETE FROM contacts WHERE account = ?').run(account).changes === 1;
  }

  contact(account: string): Contact | null {
    const r = this.db.prepare('SELECT * FROM contacts WHERE account = ?').get(account) as { account: string; username: string; state: ContactState; greeting: string | null; updated_at: number } | undefined;
    return r ? { account: r.account, username: r.username, state: r.state, greeting: r.greeting, updatedAt: r.updated_at } : null;
  }

  contacts(): Contact[] {
    return (this.db.prepare('SELECT * FROM contacts ORDER BY account').all() as { account: string; username: string; state: ContactState; greeting: string | null; updated_at: number }[]).map((r) => ({ account: r.account, username: r.username, state: r.state, greeting: r.greeting, updatedAt: r.updated_at }));
  }

  /** Queues an envelope for `recipient`'s replicas (once per id and recipient). */
  enqueue(id: Uint8Array, recipient: string, envelope: Uint8Array, now: number): void {
    this.db.prepare('INSERT OR IGNORE INTO outbox (id, recipient, envelope, next_at) VALUES (?, ?, ?, ?)').run(Buffer.from(id), recipient, Buffer.from(envelope), now);
  }

  /** Envelopes due by `now`, oldest first. */
  due(now: number, limit = 100): OutboxItem[] {
    const rows = this.db.prepare('SELECT * FROM outbox WHERE next_at <= ? ORDER BY next_at, id LIMIT ?').all(now, limit) as { id: Buffer; recipient: string; envelope: Buffer; attempts: number; next_at: number }[];
    return rows.map((r) => ({ id: new Uint8Array(r.id), recipient: r.recipient, envelope: new Uint8Array(r.envelope), attempts: r.attempts, nextAt: r.next_at }));
  }

  /** The earliest time an envelope is due, or null when the outbox is empty. */
  nextDue(): number | null {
    const r = this.db.prepare('SELECT MIN(next_at) AS t FROM outbox').get() as { t: number | null };
    return r.t;
  }

  /** Stored at the replicas: out of the outbox. */
  sent(id: Uint8Array, recipient: string): void {
    this.db.prepare('DELETE FROM outbox WHERE id = ? AND recipient = ?').run(Buffer.from(id), recipient);
  }

  /** Not stored: tried again at `nextAt`. */
  retry(id: Uint8Array, recipient: string, nextAt: number): void {
    this.db.prepare('UPDATE outbox SET attempts = attempts + 1, next_at = ? WHERE id = ? AND recipient = ?').run(nextAt, Buffer.from(id), recipient);
  }

  /** Envelopes waiting in the outbox. */
  get outboxSize(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
  }

  /** Whether an envelope id was handled already; marks it handled. */
  firstSeen(id: Uint8Array, now: number): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO seen (id, at) VALUES (?, ?)').run(Buffer.from(id), now).changes === 1;
  }

  /** Forgets handled ids older than SEEN_KEEP_MS. */
  pruneSeen(now: number): number {
    return this.db.prepare('DELETE FROM seen WHERE at < ?').run(now - SEEN_KEEP_MS).changes;
  }

  /** A device of `account` was seen (a verified record or envelope): remember its X25519 key. */
  sawDevice(account: string, deviceId: Uint8Array, noiseKey: Uint8Array, now: number): void {
    this.db.prepare('INSERT INTO devices (account, device_id, noise_key, last_seen) VALUES (?, ?, ?, ?) ON CONFLICT(account, device_id) DO UPDATE SET noise_key = excluded.noise_key, last_seen = MAX(last_seen, excluded.last_seen)').run(account, Buffer.from(deviceId), Buffer.from(noiseKey), now);
  }

  /** The devices of `account` seen since `since`. */
  devicesOf(account: string, since: number): { deviceId: Uint8Array; noiseKey: Uint8Array; lastSeen: number }[] {
    const rows = this.db.prepare('SELECT device_id, noise_key, last_seen FROM devices WHERE account = ? AND last_seen >= ? ORDER BY last_seen DESC').all(account, since) as { device_id: Buffer; noise_key: Buffer; last_seen: number }[];
    return rows.map((r) => ({ deviceId: new Uint8Array(r.device_id), noiseKey: new Uint8Array(r.noise_key), lastSeen: r.last_seen }));
  }

  /** Records a call that ended (once: the same id again changes nothing). */
  addCall(c: CallRecord): void {
    this.db
      .prepare('INSERT OR IGNORE INTO calls (id, outgoing, peer, started_at, answered_at, ended_at, reason, detail, quality) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(c.id, c.outgoing ? 1 : 0, c.peer, c.startedAt, c.answeredAt, c.endedAt, c.reason, c.detail, c.quality === null || c.quality === undefined ? null : JSON.stringify(c.quality));
  }

  /** The last `limit` calls, newest first. */
  calls(limit = 100): CallRecord[] {
    const rows = this.db.prepare('SELECT * FROM calls ORDER BY started_at DESC LIMIT ?').all(Math.max(1, Math.min(STORE_PAGE_MAX, limit))) as { id: string; outgoing: number; peer: string; started_at: number; answered_at: number | null; ended_at: number; reason: string; detail: string | null; quality: string | null }[];
    return rows.map((r) => ({ id: r.id, outgoing: r.outgoing === 1, peer: r.peer, startedAt: r.started_at, answeredAt: r.answered_at, endedAt: r.ended_at, reason: r.reason, detail: r.detail, quality: r.quality === null ? null : (JSON.parse(r.quality) as unknown) }));
  }

  setting(key: string): string | null {
    const r = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value ?? null;
  }

  setSetting(key: string, value: string): void {
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}
