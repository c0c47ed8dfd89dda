// Names: usernames compared without case, account keys shown as usernames, a conversation's title.
import type { Contact, Conversation } from './api';

export const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Whether a conversation key is a conversation id (else it is a username: the direct one with them). */
export const isConversationId = (key: string): boolean => key.startsWith('dm:') || key.startsWith('grp:');

/** Shows an account key (or a username) as the username a contact has, when one is known. */
export function makeNameOf(contacts: readonly Contact[], me: string, myAccount: string | undefined): (idOrName: string) => string {
  const byAccount = new Map(contacts.map((c) => [c.account, c.username]));
  if (myAccount) byAccount.set(myAccount, me);
  return (idOrName) => byAccount.get(idOrName) ?? idOrName;
}

/** The other member of a direct conversation (null for a group). */
export function directPeer(c: Conversation, me: string, contacts: readonly Contact[], nameOf: (x: string) => string): string | null {
  if (c.id.startsWith('grp:') || (!c.id.startsWith('dm:') && c.members.length > 2)) return null;
  const others = c.members.map(nameOf).filter((n) => !same(n, me));
  return others.find((n) => contacts.some((k) => same(k.username, n))) ?? others[0] ?? c.title;
}

/** What a conversation is called: the other member's name for a direct one. */
export function conversationTitle(c: Conversation, me: string, contacts: readonly Contact[], nameOf: (x: string) => string): string {
  return directPeer(c, me, contacts, nameOf) ?? c.title ?? c.members.map(nameOf).join(', ');
}

/** The first letter of a name, for an avatar. */
export const initial = (name: string): string => (name.trim()[0] ?? '?').toUpperCase();
