// The daemon's state kept current: loaded on each (re)open of the event stream, then fed by its events.
import { useCallback, useEffect, useLayoutEffect, useReducer, useRef, useState } from 'react';

import { ApiError, type Api, type Call, type DaemonEvent } from '../api';
import { initialState, reducer } from '../state';

export interface DaemonHandlers {
  /** The daemon says this client is signed out (an account event, or SIGNED_OUT). */
  readonly onAccount: () => void;
  /** The calls in progress, after each reload. */
  readonly onCalls: (calls: readonly Call[]) => void;
  /** A call event. */
  readonly onCall: (call: Call) => void;
}

type Listener = (e: DaemonEvent) => void;

export function useDaemon(api: Api, handlers: DaemonHandlers) {
  const [state, dispatch] = useReducer(reducer, initialState);
  const [listeners] = useState(() => new Set<Listener>());
  const latest = useRef(handlers);
  useLayoutEffect(() => {
    latest.current = handlers;
  });

  const subscribe = useCallback(
    (l: Listener) => {
      listeners.add(l);
      return () => {
        listeners.delete(l);
      };
    },
    [listeners],
  );

  const load = useCallback(<T,>(p: Promise<T>, then: (value: T) => void): void => {
    p.then(then, (e: unknown) => {
      if (e instanceof ApiError && e.code === 'SIGNED_OUT') latest.current.onAccount();
    });
  }, []);

  const loadPresence = useCallback(
    (usernames: readonly string[]) => {
      for (const username of usernames) {
        api.presenceOf(username).then(
          (info) => dispatch({ type: 'presence', username, info }),
          () => {},
        );
      }
    },
    [api],
  );
  const reloadContacts = useCallback(
    () =>
      load(api.contacts(), (contacts) => {
        dispatch({ type: 'contacts', contacts });
        loadPresence(contacts.filter((c) => c.state === 'accepted').map((c) => c.username));
      }),
    [api, load, loadPresence],
  );
  const reloadConversations = useCallback(() => load(api.conversations(), (conversations) => dispatch({ type: 'conversations', conversations })), [api, load]);
  const reloadHistory = useCallback(() => load(api.callHistory(), (history) => dispatch({ type: 'history', history })), [api, load]);
  const reloadCalls = useCallback(
    () =>
      load(api.calls(), (calls) => {
        dispatch({ type: 'calls', calls });
        latest.current.onCalls(calls);
      }),
    [api, load],
  );

  useEffect(() => {
    let conversationsTimer: ReturnType<typeof setTimeout> | undefined;
    let historyTimer: ReturnType<typeof setTimeout> | undefined;
    const soon = (timer: ReturnType<typeof setTimeout> | undefined, f: () => void, ms: number) => {
      clearTimeout(timer);
      return setTimeout(f, ms);
    };
    const reloadAll = () => {
      reloadContacts();
      reloadConversations();
      reloadCalls();
      reloadHistory();
    };
    const onEvent = (e: DaemonEvent) => {
      switch (e.type) {
        case 'message':
        case 'edited':
        case 'deleted':
        case 'state':
          dispatch({ type: 'message', kind: e.type, message: e.message });
          // A new conversation, or the unread counts as the daemon has them.
          if (e.type === 'message') conversationsTimer = soon(conversationsTimer, reloadConversations, 400);
          break;
        case 'typing':
          break;
        case 'contact':
          dispatch({ type: 'contact', contact: e.contact });
          if (e.contact.state === 'accepted') loadPresence([e.contact.username]);
          break;
        case 'presence':
          dispatch({ type: 'presence', username: e.username, info: { presence: e.presence, mood: e.mood } });
          break;
        case 'call':
          dispatch({ type: 'call', call: e.call });
          latest.current.onCall(e.call);
          if (e.call.state === 'ended') historyTimer = soon(historyTimer, reloadHistory, 300);
          break;
        case 'conference':
          dispatch({ type: 'conference', conference: e.conference });
          if (e.conference.endedAt !== null) historyTimer = soon(historyTimer, reloadHistory, 300);
          break;
        case 'account':
          latest.current.onAccount();
          break;
      }
      for (const l of listeners) l(e);
    };
    reloadAll();
    const stop = api.events(onEvent, reloadAll);
    return () => {
      stop();
      clearTimeout(conversationsTimer);
      clearTimeout(historyTimer);
    };
  }, [api, listeners, loadPresence, reloadCalls, reloadContacts, reloadConversations, reloadHistory]);

  return { state, dispatch, subscribe, loadPresence, reloadContacts, reloadConversations, reloadHistory };
}
