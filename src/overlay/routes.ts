/**
 * Which service of a supernode a message is for, by its command (the ranges the protocols'
 * message tables use): one table for the supernode process and the simulator alike.
 */

import { Hello } from './offline/messages.js';

/** The services, and whether their messages come from other supernodes or from clients. */
/** `probe`: the login server asks this supernode to probe a would-be supernode (open mode). */
export type SupernodeRoute = 'membership' | 'directory-peer' | 'offline-peer' | 'hello' | 'offline-client' | 'directory-client' | 'probe' | 'forward-peer' | 'forward-client' | 'relay-client';

const ROUTES: readonly (readonly [number, number, SupernodeRoute])[] = [
  [0x0210, 0x021f, 'membership'],
  [0x0220, 0x0227, 'directory-peer'],
  [0x0228, 0x022f, 'offline-peer'],
  [Hello.command, Hello.command, 'hello'],
  [0x0238, 0x023e, 'offline-client'],
  [0x0230, 0x0237, 'directory-client'],
  [0x0240, 0x0241, 'probe'],
  [0x0250, 0x0257, 'forward-peer'],
  [0x0258, 0x025f, 'forward-client'],
  [0x0260, 0x0264, 'relay-client'],
];

/** The service for `command`, or null for a command no supernode takes. */
export function routeOf(command: number): SupernodeRoute | null {
  for (const [low, high, route] of ROUTES) if (command >= low && command <= high) return route;
  return null;
}
