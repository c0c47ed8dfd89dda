// The signed-in app's shared context: the API, who I am, the daemon state, and the actions screens share (open a chat, call someone, report an error).
import { createContext, useContext, type Dispatch } from 'react';

import type { Api, DaemonEvent } from './api';
import type { Action, DaemonState, PresenceInfo } from './state';

export interface AppContextValue {
  readonly api: Api;
  /** My username. */
  readonly me: string;
  readonly state: DaemonState;
  readonly dispatch: Dispatch<Action>;
  /** Every daemon event, after the state took it; returns the unsubscribe function. */
  readonly subscribe: (listener: (e: DaemonEvent) => void) => () => void;
  /** An account key or username as the username to show. */
  readonly nameOf: (idOrName: string) => string;
  readonly presenceOf: (username: string) => PresenceInfo | undefined;
  /** Opens a conversation: by its id, or a username for the direct one. */
  readonly openChat: (key: string) => void;
  readonly startCall: (username: string) => void;
  /** A call screen is up (the Call buttons wait). */
  readonly inCall: boolean;
  /** Shows an error in the app's alert bar. */
  readonly report: (e: unknown) => void;
  readonly reloadContacts: () => void;
  readonly loadPresence: (usernames: readonly string[]) => void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside the signed-in app');
  return value;
}
