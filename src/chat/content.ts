/**
 * What an envelope carries (envelope.ts seals it): one item of a conversation — a text message,
 * an edit or deletion of one, a delivery or read receipt, a typing notice — or of the contact
 * relation between two users — a request with a greeting, an accept, a decline, a removal. The
 * sender, its device and the time come from the envelope (signed), never from the content.
 *
 * Conversations are named the same way on every device of every participant: a direct one by
 * the two account keys in order (`dm:alice,bob`), a group by a random id (`grp:` and 32 hex
 * digits) with its members listed in every message, so a device that missed the start learns
 * them from any message.
 */

import { decodeMessage, encodeMessage } from '../wire/index.js';
import { bytes, defineMessage, enumeration, field, optional, repeated, string, struct, uint } from '../wire/schema.js';
import { checkUsername } from '../login/username.js';

/** Command id of chat content (the chat protocol's range, after the envelope). */
export const CONTENT_COMMAND = 0x0310;
/** Longest message text, in UTF-8 bytes. */
export const TEXT_MAX_BYTES = 16 * 1024;
/** Members of a group at most (an envelope reaches 32 devices; a group may need several envelopes). */
export const GROUP_MEMBERS_MAX = 100;

export const CONTENT_KINDS = ['text', 'edit', 'delete', 'receipt', 'typing', 'contact-request', 'contact-accept', 'contact-decline', 'contact-remove', 'history-request', 'history'] as const;
export type ContentKind = (typeof CONTENT_KINDS)[number];
export const RECEIPT_KINDS = ['delivered', 'read'] as const;
export type ReceiptKind = (typeof RECEIPT_KINDS)[number];

/** One message in a history page: what the store keeps of it. */
const historyFields = {
  id: field(1, bytes(16)),
  conversation: field(2, string({ maxBytes: 80 })),
  sender: field(3, string({ minBytes: 1, maxBytes: 64 })),
  senderDevice: field(4, bytes(16)),
  sentAt: field(5, uint()),
  text: field(6, string({ maxBytes: TEXT_MAX_BYTES })),
  editedAt: optional(7, uint()),
  deleted: field(8, uint({ max: 1 })),
  members: repeated(9, string({ minBytes: 1, maxBytes: 64 })),
};
const historyContactFields = {
  account: field(1, string({ minBytes: 1, maxBytes: 64 })),
  username: field(2, string({ minBytes: 1, maxBytes: 64 })),
  state: field(3, enumeration(['requested', 'pending', 'accepted', 'declined', 'blocked'] as const)),
};
/** A history page's messages at most (and its bytes stay under an envelope's content). */
export const HISTORY_PAGE_MAX = 200;

const fields = {
  kind: field(1, enumeration(CONTENT_KINDS)),
  /** The conversation (empty for contact items). */
  conversation: field(2, string({ maxBytes: 80 })),
  /** Message text, an edit's new text, a contact request's greeting. */
  text: optional(3, string({ maxBytes: TEXT_MAX_BYTES })),
  /** The message an edit, deletion or receipt is about (receipts: the newest covered). */
  target: optional(4, bytes(16)),
  receipt: optional(5, enumeration(RECEIPT_KINDS)),
  /** A group's members (account keys), in every group message; a contact item's addressee. */
  members: repeated(6, string({ minBytes: 1, maxBytes: 64 })),
  /** A group's title; a contact item's addressee as spelled by the sender. */
  title: optional(7, string({ maxBytes: 200 })),
  /** A page of history, from one of a user's devices to another (kind `history`). */
  history: repeated(8, struct(historyFields)),
  /** A page of the contact list, with the history (kind `history`). */
  contacts: repeated(9, struct(historyContactFields)),
};
export const Content = defineMessage('chat-content', CONTENT_COMMAND, fields);

/** A content item. */
export interface ChatContent {
  readonly kind: ContentKind;
  readonly conversation: string;
  readonly text?: string;
  readonly target?: Uint8Array;
  readonly receipt?: ReceiptKind;
  readonly members: readonly string[];
  readonly title?: string;
  readonly history?: readonly HistoryItem[];
  readonly contacts?: readonly { account: string; username: string; state: 'requested' | 'pending' | 'accepted' | 'declined' | 'blocked' }[];
}

/** One message of a history page. */
export interface HistoryItem {
  readonly id: Uint8Array;
  readonly conversation: string;
  readonly sender: string;
  readonly senderDevice: Uint8Array;
  readonly sentAt: number;
  readonly text: string;
  readonly editedAt?: number;
  /** 1: deleted (its text is empty). */
  readonly deleted: number;
  readonly members: readonly string[];
}

/** The direct conversation between two accounts (the same name on both sides). */
export function directConversation(a: string, b: string): string {
  return `dm:${[a, b].sort().join(',')}`;
}

/** The accounts of a direct conversation, or null. */
export function directMembers(conversation: string): [string, string] | null {
  const m = /^dm:([^,]+),([^,]+)$/.exec(conversation);
  return m ? [m[1] as string, m[2] as string] : null;
}

const GROUP = /^grp:[0-9a-f]{32}$/;

/** Why content is refused. */
export type ContentCheck = { readonly ok: true; readonly content: ChatContent } | { readonly ok: false; readonly reason: string };

/**
 * Decodes and checks content from `sender` (the envelope's account): a known kind with the
 * fields it needs; a conversation the sender is in (a direct one naming it, or a group listing
 * it); account keys that are usernames' keys. Total.
 */
export function readContent(bytesIn: Uint8Array, sender: string): ContentCheck {
  const d = decodeMessage(bytesIn);
  if (!d.ok) return { ok: false, reason: d.error.message };
  const c = Content.fromMessage(d.value);
  if (!c.ok) return { ok: false, reason: c.error.message };
  const v = c.value;
  const isContact = v.kind.startsWith('contact-');
  if (v.kind === 'history-request' || v.kind === 'history') {
    // Between a user's own devices only (the engine checks the sender is this user).
    if (v.conversation !== '' || v.members.length !== 0) return { ok: false, reason: 'a history item has no conversation or members' };
    if (v.history.length > HISTORY_PAGE_MAX) return { ok: false, reason: `a history page has at most ${HISTORY_PAGE_MAX} messages` };
    return { ok: true, content: v };
  }
  if (isContact) {
    if (v.conversation !== '') return { ok: false, reason: 'a contact item has no conversation' };
    if (v.members.length !== 1 || v.members[0] === sender) return { ok: false, reason: 'a contact item names the one user it is for' };
  } else {
    const direct = directMembers(v.conversation);
    if (direct) {
      if (!direct.includes(sender) || direct[0] >= direct[1]) return { ok: false, reason: 'a direct conversation the sender is not in' };
    } else if (GROUP.test(v.conversation)) {
      if (v.members.length < 2 || v.members.length > GROUP_MEMBERS_MAX || !v.members.includes(sender)) return { ok: false, reason: 'a group needs 2 to 100 members, the sender among them' };
    } else {
      return { ok: false, reason: `not a conversation: ${JSON.stringify(v.conversation.slice(0, 40))}` };
    }
  }
  for (const m of v.members) {
    const k = checkUsername(m);
    if (!k.ok || k.key !== m) return { ok: false, reason: 'members are account keys' };
  }
  const needs: Record<ContentKind, boolean> = {
    text: v.text !== undefined,
    edit: v.text !== undefined && v.target !== undefined,
    delete: v.target !== undefined,
    receipt: v.target !== undefined && v.receipt !== undefined,
    typing: true,
    'contact-request': true,
    'contact-accept': true,
    'contact-decline': true,
    'contact-remove': true,
    'history-request': true,
    history: true,
  };
  if (!needs[v.kind]) return { ok: false, reason: `${v.kind} lacks a field it needs` };
  return { ok: true, content: v };
}

/** Encodes content. */
export function writeContent(c: ChatContent): Uint8Array {
  return encodeMessage(Content.toMessage({ ...c, members: [...c.members], history: (c.history ?? []).map((h) => ({ ...h, members: [...h.members] })), contacts: [...(c.contacts ?? [])] }), { compressed: true });
}
