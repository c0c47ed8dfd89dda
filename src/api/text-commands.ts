/**
 * A text-command channel in the style of the Skype Desktop API (one command per line, answers
 * and notifications as lines), for quick scripting over the local API's WebSocket
 * `/v1/commands`:
 *
 *   GET CURRENTUSERHANDLE                 -> CURRENTUSERHANDLE alice
 *   GET USER bob ONLINESTATUS             -> USER bob ONLINESTATUS AWAY
 *   GET USER bob MOODTEXT                 -> USER bob MOODTEXT at lunch
 *   SET USERSTATUS DND                    -> USERSTATUS DND
 *   CHATMESSAGE bob hello there           -> CHATMESSAGE <id> STATUS SENDING
 *   GET CHATMESSAGE <id> BODY|FROM_HANDLE|STATUS|TIMESTAMP -> CHATMESSAGE <id> BODY hello there
 *   SEARCH FRIENDS                        -> USERS bob, carol
 *   PING                                  -> PONG
 *
 * Notifications: `CHATMESSAGE <id> STATUS RECEIVED|SENT|DELIVERED|READ`, `USER <name>
 * ONLINESTATUS <status>`, `USER <name> MOODTEXT <text>`. Errors: `ERROR <n> <text>`. Statuses are
 * Skype's: ONLINE, AWAY, DND (busy), INVISIBLE (set only), OFFLINE. The parsing is total: any
 * line gets an answer, never an exception.
 */

import { formatMessageId, parseMessageId } from '../chat/message-id.js';
import type { ApiEvent } from '../client/device-api.js';
import type { StoredMessage } from '../client/store.js';
import type { Presence } from '../overlay/user-record.js';
import type { DeviceApi } from './server.js';

/** Longest command line taken. */
export const TEXT_COMMAND_MAX_BYTES = 8 * 1024;

const TO_SKYPE: Record<Presence, string> = { online: 'ONLINE', away: 'AWAY', busy: 'DND', offline: 'OFFLINE' };
const FROM_SKYPE: Record<string, Presence | 'invisible'> = { ONLINE: 'online', AWAY: 'away', DND: 'busy', INVISIBLE: 'invisible', OFFLINE: 'offline' };
const STATE: Record<StoredMessage['state'], string> = { sending: 'SENDING', sent: 'SENT', delivered: 'DELIVERED', read: 'READ', received: 'RECEIVED' };

const error = (n: number, text: string): string => `ERROR ${n} ${text}`;

/** The answer lines to one command line. */
export async function answerTextCommand(line: string, device: DeviceApi): Promise<string[]> {
  if (Buffer.byteLength(line) > TEXT_COMMAND_MAX_BYTES) return [error(1, `a command is at most ${TEXT_COMMAND_MAX_BYTES} bytes`)];
  const words = line.trim().split(/\s+/);
  const [verb = '', a = '', b = '', c = ''] = words.map((w, i) => (i < 3 ? w.toUpperCase() : w));
  const raw = line.trim().split(/\s+/);
  try {
    if (verb === 'PING') return ['PONG'];
    if (verb === 'GET' && a === 'CURRENTUSERHANDLE') return [`CURRENTUSERHANDLE ${device.status().username}`];
    if (verb === 'GET' && a === 'USER' && raw[2] !== undefined && (c.toUpperCase() === 'ONLINESTATUS' || c.toUpperCase() === 'MOODTEXT')) {
      const who = raw[2];
      const p = await device.presenceOf(who);
      if (c.toUpperCase() === 'ONLINESTATUS') return [`USER ${who} ONLINESTATUS ${p ? TO_SKYPE[p.presence] : 'UNKNOWN'}`];
      return [`USER ${who} MOODTEXT ${p?.mood ?? ''}`.trimEnd()];
    }
    if (verb === 'SET' && a === 'USERSTATUS') {
      const p = FROM_SKYPE[b];
      if (!p) return [error(3, `unknown status ${JSON.stringify(raw[2] ?? '')}: ONLINE, AWAY, DND, INVISIBLE or OFFLINE`)];
      await device.setPresence(p === 'invisible' ? 'offline' : p);
      return [`USERSTATUS ${b}`];
    }
    if (verb === 'CHATMESSAGE' && raw[1] !== undefined) {
      const text = line.trim().replace(/^\S+\s+\S+\s?/, '');
      if (text.length === 0) return [error(4, 'an empty message')];
      const m = await device.sendText(raw[1], text);
      return [`CHATMESSAGE ${formatMessageId(m.id)} STATUS ${STATE[m.state]}`];
    }
    if (verb === 'GET' && a === 'CHATMESSAGE' && raw[2] !== undefined) {
      const id = parseMessageId(raw[2]);
      const m = id ? device.message(id) : null;
      if (!m) return [error(5, `no message ${JSON.stringify(raw[2])}`)];
      const prop = c.toUpperCase();
      const value = prop === 'BODY' ? m.text : prop === 'FROM_HANDLE' ? m.sender : prop === 'STATUS' ? STATE[m.state] : prop === 'TIMESTAMP' ? String(Math.floor(m.sentAt / 1000)) : null;
      if (value === null) return [error(6, `unknown property ${JSON.stringify(raw[3] ?? '')}: BODY, FROM_HANDLE, STATUS or TIMESTAMP`)];
      return [`CHATMESSAGE ${raw[2]} ${prop} ${value}`];
    }
    if (verb === 'SEARCH' && a === 'FRIENDS') return [`USERS ${device.contacts().filter((x) => x.state === 'accepted').map((x) => x.username).join(', ')}`];
    return [error(2, `unknown command ${JSON.stringify(line.trim().slice(0, 60))}`)];
  } catch (e) {
    return [error(9, e instanceof Error ? e.message.replace(/\s+/g, ' ') : 'failed')];
  }
}

/** The notification lines for one event (none for events the channel does not report). */
export function notificationLines(e: ApiEvent): string[] {
  switch (e.type) {
    case 'message':
    case 'state':
      return [`CHATMESSAGE ${formatMessageId(e.message.id)} STATUS ${STATE[e.message.state]}`];
    case 'presence':
      return [`USER ${e.username} ONLINESTATUS ${TO_SKYPE[e.presence]}`, ...(e.mood !== null ? [`USER ${e.username} MOODTEXT ${e.mood}`] : [])];
    case 'call':
      return [`CALL ${e.call.id} STATUS ${callStatus(e.call.state, e.call.reason)}`];
    case 'conference':
      // Skype's CONF_PARTICIPANTS_COUNT, on the conference's id.
      return [`CALL ${e.conference.id} CONF_PARTICIPANTS_COUNT ${e.conference.roster.length}`];
    case 'account':
      // Skype's connection status: the client is online once signed in.
      return [`CONNSTATUS ${e.signedIn ? 'ONLINE' : 'OFFLINE'}`];
    case 'edited':
    case 'deleted':
    case 'typing':
    case 'contact':
      return [];
  }
}

/** A call's state in the Skype API's words (CALL id STATUS ...). */
function callStatus(state: string, reason: string | null): string {
  if (state === 'calling') return 'ROUTING';
  if (state === 'ringing' || state === 'incoming') return 'RINGING';
  if (state === 'active') return 'INPROGRESS';
  if (state === 'local-hold' || state === 'both-hold') return 'ONHOLD';
  if (state === 'remote-hold') return 'REMOTEHOLD';
  const ended: Record<string, string> = { declined: 'REFUSED', busy: 'BUSY', 'no-answer': 'MISSED', missed: 'MISSED', cancelled: 'CANCELLED', failed: 'FAILED' };
  return ended[reason ?? ''] ?? 'FINISHED';
}
