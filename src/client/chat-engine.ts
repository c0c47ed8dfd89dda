/**
 * A device's chat: what it sends and how what it receives lands in its store.
 *
 * Sending: the content goes in one envelope sealed to every known device of every other
 * participant and to this user's other devices (devices from the directory now, and those seen
 * before, which may be offline and out of the directory). The envelope is queued in the outbox
 * once per account (the other participants' and, for the other devices, this user's own) and
 * stays there until one of that account's slot replicas has stored it (at least once; tried again
 * with backoff, across restarts). Devices online now also get it at once, forwarded through
 * supernodes to the ones their records name.
 *
 * Receiving (forwarded, or fetched from the offline store): the envelope is verified and opened,
 * handled once per id (exactly once on screen, whichever path brings it first), and acknowledged
 * at the replicas. A text is stored and answered with a delivery receipt; receipts move an
 * outgoing message's state forward; edits and deletions apply only from the message's sender;
 * contact items update the contact list, and reach this user's other devices like everything
 * else, so every device shows the same contacts and history.
 */

import { randomBytes } from 'node:crypto';

import { directConversation, directMembers, GROUP_MEMBERS_MAX, HISTORY_PAGE_MAX, readContent, writeContent, type ChatContent, type HistoryItem } from '../chat/content.js';
import { ENVELOPE_RECIPIENTS_MAX, openEnvelope, sealEnvelope, type EnvelopeReader, type EnvelopeSender } from '../chat/envelope.js';
import { MessageIdGenerator } from '../chat/message-id.js';
import type { KeyPair } from '../crypto/noise/index.js';
import type { SigningKey } from '../crypto/ed25519.js';
import { checkUsername } from '../login/username.js';
import type { VerifiedUserRecord } from '../overlay/user-record.js';
import { STORE_PAGE_MAX, type ClientStore, type Contact, type StoredMessage } from './store.js';

/** A history page's content stays under this many bytes (an envelope carries 48 KiB). */
const HISTORY_PAGE_BYTES = 40 * 1024;
/** Contacts per history page (with 200 messages, well within a message's 4,096 objects). */
const HISTORY_CONTACTS_PER_PAGE = 300;
/** Devices not seen for this long are no longer sealed to. */
export const DEVICE_FORGET_MS = 30 * 24 * 3_600_000;
/** First retry of an envelope no replica stored; doubled each time up to OUTBOX_RETRY_MAX_MS. */
export const OUTBOX_RETRY_MS = 2_000;
export const OUTBOX_RETRY_MAX_MS = 5 * 60_000;

/** What the engine needs of the overlay (the attached supernodes). */
export interface ChatOverlay {
  lookup(username: string): Promise<VerifiedUserRecord[]>;
  forward(recipient: string, deviceId: Uint8Array, supernodes: readonly string[], blob: Uint8Array): Promise<number>;
  sendOffline(recipient: string, id: Uint8Array, blob: Uint8Array): Promise<{ stored: number; replicas: number }>;
  fetchOffline(): Promise<{ id: Uint8Array; sender: string; blob: Uint8Array }[]>;
  ackOffline(ids: readonly Uint8Array[]): void;
}

/** Direct sessions to other devices (peer-links.ts), as the engine uses them. */
export interface DirectPath {
  /** Whether a checked session to this device is up now. */
  linked(record: VerifiedUserRecord): boolean;
  /** Sends on that session; true once the device has taken the envelope (stored, or had it). */
  send(record: VerifiedUserRecord, blob: Uint8Array): Promise<boolean>;
  /** Starts a session to this device in the background, for the envelopes after this one. */
  prepare(record: VerifiedUserRecord): void;
}

/**
 * How long an envelope every one of whose devices is linked waits in the outbox for their answers
 * before it goes to the replicas anyway (longer than a link waits for an answer, PEER_ACK_WAIT_MS).
 */
export const DIRECT_GRACE_MS = 5_000;

/** This device. */
export interface ChatIdentity {
  readonly network: string;
  readonly caPublicKey: Uint8Array;
  readonly username: string;
  readonly accountKey: string;
  readonly deviceId: Uint8Array;
  readonly certificate: Uint8Array;
  readonly signingKey: SigningKey;
  readonly noiseKey: KeyPair;
}

/** What the engine tells its user (the API's event stream). */
export type ChatEvent =
  | { readonly type: 'message'; readonly message: StoredMessage }
  | { readonly type: 'edited' | 'deleted'; readonly message: StoredMessage }
  | { readonly type: 'state'; readonly message: StoredMessage }
  | { readonly type: 'typing'; readonly conversation: string; readonly from: string }
  | { readonly type: 'contact'; readonly contact: Contact };

/** How an engine starts. */
export interface ChatEngineOptions {
  readonly identity: ChatIdentity;
  readonly store: ClientStore;
  /** The overlay now, or null while no supernode is attached. */
  readonly overlay: () => ChatOverlay | null;
  /** Direct sessions to other devices, when this device has them. */
  readonly direct?: DirectPath;
  readonly onEvent?: (e: ChatEvent) => void;
  readonly now?: () => number;
  readonly random?: (n: number) => Uint8Array;
}

/** A refusal of the user's request. */
export class ChatError extends Error {
  override readonly name = 'ChatError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** One device's chat. */
export class ChatEngine {
  /** Envelopes that could not be read (counted; dropped). */
  rejected = 0;
  private readonly ids: MessageIdGenerator;
  private readonly now: () => number;
  private readonly random: (n: number) => Uint8Array;
  private flushing: Promise<void> | null = null;
  /** Direct sends whose outcome still moves an outbox item (settled() waits for them). */
  private readonly directSends = new Set<Promise<void>>();

  private identity: ChatIdentity;

  constructor(private readonly o: ChatEngineOptions) {
    this.identity = o.identity;
    this.now = o.now ?? Date.now;
    this.random = o.random ?? ((n) => new Uint8Array(randomBytes(n)));
    this.ids = new MessageIdGenerator(this.random);
  }

  private get me(): ChatIdentity {
    return this.identity;
  }

  /** A renewed certificate for this device (the same keys): what envelopes carry from now on. */
  setCertificate(certificate: Uint8Array): void {
    this.identity = { ...this.identity, certificate };
  }

  private emit(e: ChatEvent): void {
    this.o.onEvent?.(e);
  }

  /** Sends a text message to `username` (the direct conversation); the stored message. */
  async sendText(username: string, text: string): Promise<StoredMessage> {
    const peer = checkUsername(username);
    if (!peer.ok) throw new ChatError('USERNAME_INVALID', peer.reason);
    if (peer.key === this.me.accountKey) throw new ChatError('BAD_REQUEST', 'a message to yourself goes nowhere');
    return this.sendTextIn(directConversation(this.me.accountKey, peer.key), [this.me.accountKey, peer.key].sort(), text);
  }

  /**
   * Sends a text in a conversation of `members`: stored here as outgoing (before its envelopes are
   * queued, so that the outbox finds it to mark sent) and announced.
   */
  private async sendTextIn(conversation: string, members: readonly string[], text: string, title?: string): Promise<StoredMessage> {
    if (text.length === 0) throw new ChatError('BAD_REQUEST', 'an empty message');
    const group = directMembers(conversation) ? [] : members;
    const sent: { message?: StoredMessage } = {};
    await this.send(
      members.filter((a) => a !== this.me.accountKey),
      { kind: 'text', conversation, text, members: group, ...(title !== undefined ? { title } : {}) },
      {
        beforeQueue: (id, sentAt) => {
          const m: StoredMessage = { id, conversation, sender: this.me.accountKey, senderDevice: this.me.deviceId, sentAt, receivedAt: sentAt, text, editedAt: null, deleted: false, outgoing: true, state: 'sending' };
          this.o.store.addMessage(m, members, title);
          this.emit({ type: 'message', message: m });
          sent.message = m;
        },
      },
    );
    // send() resolves only after beforeQueue ran.
    return sent.message as StoredMessage;
  }

  /** Starts a group with `members` (usernames; this user is added) and a title; its conversation id. */
  createGroup(title: string, members: readonly string[]): string {
    const keys = new Set([this.me.accountKey]);
    for (const m of members) {
      const k = checkUsername(m);
      if (!k.ok) throw new ChatError('USERNAME_INVALID', `${m}: ${k.reason}`);
      keys.add(k.key);
    }
    if (keys.size < 2 || keys.size > GROUP_MEMBERS_MAX) throw new ChatError('BAD_REQUEST', `a group has 2 to ${GROUP_MEMBERS_MAX} members`);
    if (title.length === 0 || title.length > 200) throw new ChatError('BAD_REQUEST', 'a group title has 1 to 200 characters');
    const id = `grp:${Buffer.from(this.random(16)).toString('hex')}`;
    this.o.store.ensureConversation(id, [...keys].sort(), title);
    return id;
  }

  /** Sends a text to a conversation this device knows (a direct one, or a group). */
  async sendToConversation(conversation: string, text: string): Promise<StoredMessage> {
    const direct = directMembers(conversation);
    if (direct) {
      const peer = direct.find((a) => a !== this.me.accountKey);
      if (!peer || !direct.includes(this.me.accountKey)) throw new ChatError('NOT_FOUND', `not a conversation of ${this.me.accountKey}`);
      return this.sendText(peer, text);
    }
    const conv = this.o.store.conversation(conversation);
    if (!conv) throw new ChatError('NOT_FOUND', `no conversation ${conversation}`);
    return this.sendTextIn(conversation, conv.members, text, conv.title ?? undefined);
  }

  /** Edits (new text) or deletes (null) one of this user's messages, here and on every device that has it. */
  async changeMessage(id: Uint8Array, text: string | null): Promise<StoredMessage> {
    const m = this.o.store.message(id);
    if (!m || m.sender !== this.me.accountKey) throw new ChatError('NOT_FOUND', 'no message of yours with that id');
    if (m.deleted) throw new ChatError('BAD_REQUEST', 'the message is deleted');
    if (text !== null && text.length === 0) throw new ChatError('BAD_REQUEST', 'an empty text (delete the message instead)');
    const members = this.participants(m.conversation);
    const others = members.filter((a) => a !== this.me.accountKey);
    const group = directMembers(m.conversation) ? [] : members;
    const { sentAt } = await this.send(others, text === null ? { kind: 'delete', conversation: m.conversation, target: id, members: group } : { kind: 'edit', conversation: m.conversation, target: id, text, members: group });
    if (text === null) this.o.store.delete(id, this.me.accountKey);
    else this.o.store.edit(id, this.me.accountKey, text, sentAt);
    const changed = this.o.store.message(id) as StoredMessage;
    this.emit({ type: text === null ? 'deleted' : 'edited', message: changed });
    return changed;
  }

  /** Tells the conversation's other participants that this user is typing (live only: never stored). */
  async typing(conversation: string): Promise<void> {
    const members = this.participants(conversation);
    if (!members.includes(this.me.accountKey)) throw new ChatError('NOT_FOUND', `no conversation ${conversation}`);
    const others = members.filter((a) => a !== this.me.accountKey);
    await this.send(others, { kind: 'typing', conversation, members: directMembers(conversation) ? [] : members }, { ephemeral: true });
  }

  /** Marks a conversation read up to its newest message and tells the others (and this user's other devices). */
  async markRead(conversation: string): Promise<void> {
    const last = this.o.store.history(conversation, 1)[0];
    if (!last) return;
    this.o.store.markRead(conversation, last.id);
    const others = this.participants(conversation).filter((a) => a !== this.me.accountKey);
    const newestIn = this.o.store.history(conversation, 200).filter((m) => !m.outgoing).at(-1);
    if (newestIn) await this.send(others, { kind: 'receipt', conversation, target: newestIn.id, receipt: 'read', members: [] });
  }

  /** Asks `username` to be a contact, with a greeting. */
  async requestContact(username: string, greeting: string): Promise<Contact> {
    const peer = checkUsername(username);
    if (!peer.ok) throw new ChatError('USERNAME_INVALID', peer.reason);
    if (peer.key === this.me.accountKey) throw new ChatError('BAD_REQUEST', 'you cannot add yourself');
    const had = this.o.store.contact(peer.key);
    // A request to someone who asked us first is an acceptance.
    if (had?.state === 'pending') return this.answerContact(username, 'accept');
    await this.send([peer.key], { kind: 'contact-request', conversation: '', text: greeting, members: [peer.key], title: username });
    return this.setContact(peer.key, username, 'requested', greeting);
  }

  /** Accepts or declines `username`'s request, or removes or blocks a contact. */
  async answerContact(username: string, answer: 'accept' | 'decline' | 'remove' | 'block'): Promise<Contact> {
    const peer = checkUsername(username);
    if (!peer.ok) throw new ChatError('USERNAME_INVALID', peer.reason);
    const had = this.o.store.contact(peer.key);
    if (answer === 'accept' && had?.state !== 'pending') throw new ChatError('NO_REQUEST', `${username} has not asked to be a contact`);
    if (answer === 'decline' && had?.state !== 'pending') throw new ChatError('NO_REQUEST', `${username} has not asked to be a contact`);
    const kind = answer === 'accept' ? 'contact-accept' : answer === 'decline' ? 'contact-decline' : 'contact-remove';
    // A block tells the other side only that the contact is removed.
    await this.send([peer.key], { kind, conversation: '', members: [peer.key], title: had?.username ?? username });
    const state = answer === 'accept' ? 'accepted' : answer === 'decline' ? 'declined' : answer === 'block' ? 'blocked' : null;
    if (state === null) {
      this.o.store.removeContact(peer.key);
      const gone: Contact = { account: peer.key, username: had?.username ?? username, state: 'declined', greeting: null, updatedAt: this.now() };
      this.emit({ type: 'contact', contact: gone });
      return gone;
    }
    return this.setContact(peer.key, had?.username ?? username, state);
  }

  private setContact(account: string, username: string, state: Contact['state'], greeting?: string): Contact {
    this.o.store.setContact(account, username, state, this.now(), greeting);
    const c = this.o.store.contact(account) as Contact;
    this.emit({ type: 'contact', contact: c });
    return c;
  }

  private participants(conversation: string): string[] {
    const direct = directMembers(conversation);
    if (direct) return direct;
    return this.o.store.conversation(conversation)?.members ?? [];
  }

  /**
   * Seals `content` to every known device of `accounts` and to this user's other devices, queues
   * it for each of those accounts' replicas, and forwards it to the devices online now.
   */
  private async send(
    accounts: readonly string[],
    content: ChatContent,
    options: {
      /** Only this device (of this user's own). */
      onlyDevice?: Uint8Array;
      /** Live only: not queued for the replicas (typing). */
      ephemeral?: boolean;
      /** Not to this user's other devices (what they would ignore: delivery receipts). */
      notMine?: boolean;
      /** Called with the id and time once there is somewhere to send it, before anything is queued. */
      beforeQueue?: (id: Uint8Array, sentAt: number) => void;
    } = {},
  ): Promise<{ id: Uint8Array; sentAt: number }> {
    const { onlyDevice } = options;
    const sentAt = this.now();
    const id = this.ids.next(sentAt);
    const targets = options.notMine === true ? [...new Set(accounts)] : [...new Set([...accounts, this.me.accountKey])];
    const online = new Map<string, VerifiedUserRecord[]>();
    const overlay = this.o.overlay();
    for (const account of targets) {
      if (!overlay) break;
      try {
        const records = await overlay.lookup(account);
        online.set(account, records);
        for (const r of records) this.o.store.sawDevice(account, r.body.deviceId, r.noiseKey, r.body.issuedAt);
      } catch {
        // Offline or slow directory: the devices seen before still get it through the replicas.
      }
    }
    const wanted = (account: string, deviceId: Uint8Array): boolean => !(account === this.me.accountKey && Buffer.from(deviceId).equals(this.me.deviceId)) && (onlyDevice === undefined || Buffer.from(deviceId).equals(onlyDevice));
    const devices = targets.flatMap((account) => this.o.store.devicesOf(account, sentAt - DEVICE_FORGET_MS).filter((d) => wanted(account, d.deviceId)).map((d) => ({ account, ...d })));
    if (devices.length === 0) throw new ChatError('NO_DEVICES', `no device of ${accounts.join(', ')} is known yet: they have never been online`);
    options.beforeQueue?.(id, sentAt);
    const sender: EnvelopeSender = { network: this.me.network, certificate: this.me.certificate, signingKey: this.me.signingKey };
    const content_ = writeContent(content);
    // At most ENVELOPE_RECIPIENTS_MAX devices per envelope; the rest (a large group) go in more, each for its accounts.
    const byAccount = new Map<string, typeof devices>();
    for (const d of devices) byAccount.set(d.account, [...(byAccount.get(d.account) ?? []), d]);
    for (const [account, ds] of byAccount) {
      const sealedTo = ds.slice(0, ENVELOPE_RECIPIENTS_MAX);
      const envelope = sealEnvelope(sender, id, sentAt, sealedTo, content_, this.random);
      const live = (online.get(account) ?? []).filter((r) => r.body.presence !== 'offline' && wanted(account, r.body.deviceId));
      const direct = this.o.direct;
      const linked = direct ? live.filter((r) => direct.linked(r)) : [];
      // When every device it is sealed to is linked, the replicas are asked only if one of them does not take it.
      const allLinked = linked.length > 0 && sealedTo.every((d) => linked.some((r) => Buffer.from(r.body.deviceId).equals(d.deviceId)));
      const queued = options.ephemeral !== true;
      // Ephemeral items (typing) go live only; everything else waits for the replicas too.
      if (queued) this.o.store.enqueue(id, account, envelope, allLinked ? sentAt + DIRECT_GRACE_MS : sentAt);
      const viaSupernodes = (r: VerifiedUserRecord): void => {
        if (r.body.supernodes.length > 0) overlay?.forward(account, r.body.deviceId, r.body.supernodes.map(hex), envelope).catch(() => undefined);
      };
      const outcomes: Promise<boolean>[] = [];
      for (const r of live) {
        if (direct && linked.includes(r)) {
          outcomes.push(
            direct.send(r, envelope).then((taken) => {
              if (!taken) viaSupernodes(r);
              return taken;
            }),
          );
        } else {
          viaSupernodes(r);
          direct?.prepare(r);
        }
      }
      if (queued && allLinked) this.settleDirect(id, account, outcomes);
    }
    void this.flush();
    return { id, sentAt };
  }

  /** Once every linked device answered: out of the outbox if all took it, due at once otherwise. */
  private settleDirect(id: Uint8Array, account: string, outcomes: readonly Promise<boolean>[]): void {
    const p = Promise.all(outcomes).then((taken) => {
      if (taken.every(Boolean)) {
        this.o.store.sent(id, account);
        if (account !== this.me.accountKey && this.o.store.advance(id, 'sent')) this.stateChanged(id);
      } else {
        this.o.store.retry(id, account, this.now());
        void this.flush();
      }
    });
    this.directSends.add(p);
    void p.finally(() => this.directSends.delete(p));
  }

  /** Sends what is due in the outbox to the recipients' replicas (one pass at a time). */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    const overlay = this.o.overlay();
    if (!overlay) return;
    for (const item of this.o.store.due(this.now())) {
      try {
        const r = await overlay.sendOffline(item.recipient, item.id, item.envelope);
        if (r.stored === 0) throw new Error('not stored');
        this.o.store.sent(item.id, item.recipient);
        if (item.recipient !== this.me.accountKey && this.o.store.advance(item.id, 'sent')) this.stateChanged(item.id);
      } catch {
        this.o.store.retry(item.id, item.recipient, this.now() + Math.min(OUTBOX_RETRY_MAX_MS, OUTBOX_RETRY_MS * 2 ** item.attempts));
      }
    }
  }

  /** Resolves when no outbox pass is under way (before the store closes). */
  async settled(): Promise<void> {
    while (this.flushing || this.directSends.size > 0) {
      await Promise.allSettled([...this.directSends]);
      if (this.flushing) await this.flushing;
    }
  }

  /** When the outbox next has something due (for the daemon's timer), or null. */
  nextDue(): number | null {
    return this.o.store.nextDue();
  }

  private stateChanged(id: Uint8Array): void {
    const m = this.o.store.message(id);
    if (m) this.emit({ type: 'state', message: m });
  }

  /** Fetches this device's messages from the offline store until none is left, handling and acknowledging each. */
  async pullOffline(): Promise<number> {
    const overlay = this.o.overlay();
    if (!overlay) return 0;
    let handled = 0;
    for (;;) {
      const batch = await overlay.fetchOffline();
      if (batch.length === 0) return handled;
      for (const m of batch) await this.receive(m.blob);
      overlay.ackOffline(batch.map((m) => m.id));
      handled += batch.length;
    }
  }

  /** Handles one envelope (forwarded or fetched); false when it could not be read or was handled before. */
  async receive(blob: Uint8Array): Promise<boolean> {
    const now = this.now();
    const reader: EnvelopeReader = { caPublicKey: this.me.caPublicKey, network: this.me.network, deviceId: this.me.deviceId, noiseKey: this.me.noiseKey };
    const opened = openEnvelope(blob, reader, now);
    if (!opened.ok) {
      this.rejected++;
      return false;
    }
    const e = opened.envelope;
    const content = readContent(e.content, e.senderAccount);
    if (!content.ok) {
      this.rejected++;
      return false;
    }
    if (!this.o.store.firstSeen(e.id, now)) return false;
    this.o.store.sawDevice(e.senderAccount, e.senderDevice, e.senderNoiseKey, e.sentAt);
    const c = content.content;
    const mine = e.senderAccount === this.me.accountKey;
    switch (c.kind) {
      case 'text': {
        const m: StoredMessage = { id: e.id, conversation: c.conversation, sender: e.senderAccount, senderDevice: e.senderDevice, sentAt: e.sentAt, receivedAt: now, text: c.text ?? '', editedAt: null, deleted: false, outgoing: mine, state: mine ? 'sent' : 'received' };
        const members = directMembers(c.conversation) ?? c.members;
        if (this.o.store.addMessage(m, members, c.title)) this.emit({ type: 'message', message: m });
        if (!mine) await this.send([e.senderAccount], { kind: 'receipt', conversation: c.conversation, target: e.id, receipt: 'delivered', members: c.members }, { notMine: true }).catch(() => undefined);
        break;
      }
      case 'edit':
      case 'delete': {
        const target = c.target as Uint8Array;
        const ok = c.kind === 'edit' ? this.o.store.edit(target, e.senderAccount, c.text ?? '', e.sentAt) : this.o.store.delete(target, e.senderAccount);
        const m = this.o.store.message(target);
        if (ok && m) this.emit({ type: c.kind === 'edit' ? 'edited' : 'deleted', message: m });
        break;
      }
      case 'receipt': {
        const target = c.target as Uint8Array;
        if (mine) {
          // Read on another of this user's devices.
          if (c.receipt === 'read') this.o.store.markRead(c.conversation, target);
        } else if (this.o.store.advance(target, c.receipt === 'read' ? 'read' : 'delivered')) {
          this.stateChanged(target);
        }
        break;
      }
      case 'typing':
        if (!mine) this.emit({ type: 'typing', conversation: c.conversation, from: e.senderAccount });
        break;
      case 'history-request':
        if (mine) await this.sendHistory(e.senderDevice).catch(() => undefined);
        break;
      case 'history':
        if (mine) this.takeHistory(c, now);
        break;
      case 'contact-request':
      case 'contact-accept':
      case 'contact-decline':
      case 'contact-remove':
        this.contactItem(c, e.senderAccount, e.senderUsername, mine);
        break;
    }
    return true;
  }

  /**
   * A contact item: from the other user (addressed to this one), or from another device of this
   * user about the peer it names, so that every device of a user shows the same contacts.
   */
  private contactItem(c: ChatContent, senderAccount: string, senderUsername: string, mine: boolean): void {
    const addressee = c.members[0] as string;
    if (mine) {
      const name = c.title ?? addressee;
      if (c.kind === 'contact-request') this.setContact(addressee, name, this.o.store.contact(addressee)?.state === 'pending' ? 'accepted' : 'requested', c.text);
      else if (c.kind === 'contact-accept') this.setContact(addressee, name, 'accepted');
      else if (c.kind === 'contact-decline') this.setContact(addressee, name, 'declined');
      else if (c.kind === 'contact-remove') this.removed(addressee);
      return;
    }
    if (addressee !== this.me.accountKey) return;
    const had = this.o.store.contact(senderAccount);
    if (had?.state === 'blocked') return;
    switch (c.kind) {
      case 'contact-request':
        if (had?.state === 'requested' || had?.state === 'accepted') this.setContact(senderAccount, senderUsername, 'accepted');
        else this.setContact(senderAccount, senderUsername, 'pending', c.text);
        break;
      case 'contact-accept':
        if (had?.state === 'requested' || had?.state === 'accepted') this.setContact(senderAccount, senderUsername, 'accepted');
        break;
      case 'contact-decline':
        if (had?.state === 'requested') this.setContact(senderAccount, senderUsername, 'declined');
        break;
      case 'contact-remove':
        this.removed(senderAccount);
        break;
      case 'text':
      case 'edit':
      case 'delete':
      case 'receipt':
      case 'typing':
      case 'history-request':
      case 'history':
        break;
    }
  }

  /**
   * Asks this user's other devices for their history and contacts (a new device). False when no
   * other device of this user is known yet; the answer comes as `history` pages.
   */
  async requestHistory(): Promise<boolean> {
    try {
      await this.send([], { kind: 'history-request', conversation: '', members: [] });
      return true;
    } catch (e) {
      if (e instanceof ChatError && e.code === 'NO_DEVICES') return false;
      throw e;
    }
  }

  /** Sends every conversation's messages and the contacts, in pages, to one other device of this user. */
  private async sendHistory(device: Uint8Array): Promise<void> {
    const contacts = this.o.store.contacts().map((c) => ({ account: c.account, username: c.username, state: c.state }));
    let page: HistoryItem[] = [];
    let bytes = 0;
    let first = true;
    const flush = async (): Promise<void> => {
      // The contacts go with the first page (in chunks that keep each page within the decoder's object limit).
      for (let i = 0; first && i < Math.max(1, contacts.length); i += HISTORY_CONTACTS_PER_PAGE) {
        await this.send([], { kind: 'history', conversation: '', members: [], history: i === 0 ? page : [], contacts: contacts.slice(i, i + HISTORY_CONTACTS_PER_PAGE) }, { onlyDevice: device });
      }
      if (!first) await this.send([], { kind: 'history', conversation: '', members: [], history: page }, { onlyDevice: device });
      first = false;
      page = [];
      bytes = 0;
    };
    for (const conv of this.o.store.conversations()) {
      let before: Uint8Array | undefined;
      for (;;) {
        const ms = this.o.store.history(conv.id, STORE_PAGE_MAX, before);
        if (ms.length === 0) break;
        for (const m of ms) {
          const size = 120 + Buffer.byteLength(m.text) + m.conversation.length * 2;
          if (page.length >= HISTORY_PAGE_MAX || bytes + size > HISTORY_PAGE_BYTES) await flush();
          page.push({ id: m.id, conversation: m.conversation, sender: m.sender, senderDevice: m.senderDevice, sentAt: m.sentAt, text: m.text, ...(m.editedAt !== null ? { editedAt: m.editedAt } : {}), deleted: m.deleted ? 1 : 0, members: conv.members });
          bytes += size;
        }
        before = ms[0]?.id;
        if (ms.length < STORE_PAGE_MAX) break;
      }
    }
    if (page.length > 0 || first) await flush();
  }

  /** A history page from another device of this user: messages not here yet, and contacts not known here. */
  private takeHistory(c: ChatContent, now: number): void {
    for (const h of c.history ?? []) {
      const outgoing = h.sender === this.me.accountKey;
      const m: StoredMessage = { id: h.id, conversation: h.conversation, sender: h.sender, senderDevice: h.senderDevice, sentAt: h.sentAt, receivedAt: now, text: h.deleted === 1 ? '' : h.text, editedAt: h.editedAt ?? null, deleted: h.deleted === 1, outgoing, state: outgoing ? 'sent' : 'read' };
      if (this.o.store.addMessage(m, h.members)) this.emit({ type: 'message', message: m });
    }
    for (const k of c.contacts ?? []) if (!this.o.store.contact(k.account)) this.setContact(k.account, k.username, k.state);
  }

  private removed(account: string): void {
    const had = this.o.store.contact(account);
    if (!had || !this.o.store.removeContact(account)) return;
    this.emit({ type: 'contact', contact: { ...had, state: 'declined', updatedAt: this.now() } });
  }
}
