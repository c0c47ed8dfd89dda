/**
 * The running device as the local API sees it (src/api/server.ts's DeviceApi): the device
 * runtime's engine and publisher, its store, and a fan-out of its events to the API's listeners.
 */

import type { DeviceApi } from '../api/server.js';
import { directConversation } from '../chat/content.js';
import type { DeviceEvent, DeviceRuntime } from './device-runtime.js';
import type { ClientStore } from './store.js';
import type { ChatIdentity } from './chat-engine.js';
import { checkUsername } from '../login/username.js';
import type { Presence } from '../overlay/user-record.js';

/** The daemon signed in or out (the web client's sign-in and sign-out). */
export interface AccountEvent {
  readonly type: 'account';
  readonly signedIn: boolean;
  readonly username: string | null;
}

/** What the API's event stream carries: the device's events and the daemon's account. */
export type ApiEvent = DeviceEvent | AccountEvent;

/** Listeners of a daemon's events (they outlive a signed-in device). */
export class EventHub {
  private readonly listeners = new Set<(e: ApiEvent) => void>();

  emit(e: ApiEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // One listener's failure is not the others'.
      }
    }
  }

  subscribe(l: (e: ApiEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

/** The API's view of a running device. */
export function deviceApi(device: DeviceRuntime, store: ClientStore, identity: ChatIdentity, hub: EventHub, shutdown?: () => void): DeviceApi {
  const conversationOf = (idOrUser: string): string => {
    if (idOrUser.startsWith('dm:') || idOrUser.startsWith('grp:')) return idOrUser;
    const u = checkUsername(idOrUser);
    return u.ok ? directConversation(identity.accountKey, u.key) : idOrUser;
  };
  return {
    status: () => ({ username: identity.username, accountKey: identity.accountKey, deviceId: Buffer.from(identity.deviceId).toString('hex'), attached: device.attached(), presence: device.publisher.current.presence, mood: device.publisher.current.mood ?? null, direct: device.directStatus() }),
    setPresence: (presence, mood) => device.setPresence(presence, mood),
    contacts: () => store.contacts(),
    requestContact: (username, greeting) => device.engine.requestContact(username, greeting),
    answerContact: (username, answer) => device.engine.answerContact(username, answer),
    conversations: () => store.conversations(),
    history: (conversation, limit, before) => store.history(conversationOf(conversation), limit, before),
    sendText: (to, text) => device.engine.sendText(to, text),
    createGroup: (title, members) => device.engine.createGroup(title, members),
    sendToConversation: (conversation, text) => device.engine.sendToConversation(conversationOf(conversation), text),
    changeMessage: (id, text) => device.engine.changeMessage(id, text),
    typing: (conversation) => device.engine.typing(conversationOf(conversation)),
    markRead: (conversation) => device.engine.markRead(conversationOf(conversation)),
    search: (query, limit) => store.search(query, limit),
    subscribe: (listener) => hub.subscribe(listener),
    message: (id) => store.message(id),
    reach: (username, waitDirectMs) => device.reach(username, waitDirectMs),
    calls: device.calls,
    presenceOf: async (username) => {
      const rank: Record<Presence, number> = { online: 3, busy: 2, away: 1, offline: 0 };
      const best = (await device.lookup(username)).sort((a, b) => rank[b.body.presence] - rank[a.body.presence])[0];
      return best ? { presence: best.body.presence, mood: best.body.mood ?? null } : null;
    },
    ...(shutdown ? { shutdown } : {}),
  };
}
