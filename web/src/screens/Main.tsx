// The signed-in app: header, sidebar (contacts, chats, calls), the main pane (call screen, open conversation) and the incoming-call dialog.
import { useCallback, useMemo, useState } from 'react';

import { ApiError, type Api, type Call, type Status } from '../api';
import { type Session } from '../call-view';
import { CallScreen } from '../components/CallScreen';
import { Conversation } from '../components/Conversation';
import { Header } from '../components/Header';
import { Icon } from '../components/Icon';
import { IncomingCall } from '../components/IncomingCall';
import { Sidebar, type Tab } from '../components/Sidebar';
import { AppContext, type AppContextValue } from '../context';
import { errorText } from '../format';
import { useDaemon } from '../hooks/useDaemon';
import { directPeer, isConversationId, makeNameOf, same } from '../names';
import { isConference } from '../state';

interface MainProps {
  readonly api: Api;
  readonly status: Status;
  readonly onStatus: (s: Status) => void;
  /** Ask the daemon for its status again (it may have signed out). */
  readonly onRefresh: () => void;
}

/** Where the layout stacks (styles/narrow.css says the same). */
const NARROW = '(max-width: 720px)';

/** A call this screen should show though it was not dialled or answered here (a reload mid-call, the CLI). */
function sessionFor(call: Call): Session | null {
  if (call.state === 'ended' || call.state === 'incoming') return null;
  if (call.direction === 'incoming' && call.answeredAt === null) return null;
  if (call.conference?.id) return { key: call.conference.id, id: call.conference.id, conference: true, peer: 'Conference' };
  return { key: call.id, id: call.id, conference: false, peer: call.peer };
}

export function Main({ api, status, onStatus, onRefresh }: MainProps) {
  const me = status.username ?? '';
  const [tab, setTab] = useState<Tab>('contacts');
  const [openKey, setOpenKey] = useState<string | null>(null);
  const [session, setSession] = useState<Session | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [handled, setHandled] = useState<ReadonlySet<string>>(() => new Set());

  const adopt = useCallback((call: Call) => {
    setSession((s) => {
      if (s === null) return sessionFor(call);
      // The dial under way: its call is this one.
      if (s.id === null && !call.conference && call.direction === 'outgoing' && same(call.peer, s.peer)) return { ...s, id: call.id };
      return s;
    });
  }, []);
  const daemon = useDaemon(api, {
    onAccount: onRefresh,
    onCalls: (calls) => calls.forEach(adopt),
    onCall: adopt,
  });
  const { state, dispatch } = daemon;

  const report = useCallback(
    (e: unknown) => {
      if (e instanceof ApiError && e.code === 'SIGNED_OUT') onRefresh();
      setNotice(errorText(e));
    },
    [onRefresh],
  );

  // The daemon's status names my account key too (messages and members name accounts by key).
  const myAccount = status.accountKey;
  const nameOf = useMemo(() => makeNameOf(state.contacts, me, myAccount), [state.contacts, me, myAccount]);

  const openChat = useCallback(
    (key: string) => {
      // A username: its direct conversation when there is one already.
      const existing = isConversationId(key) ? null : state.conversations.find((c) => c.id.startsWith('dm:') && same(directPeer(c, me, state.contacts, nameOf) ?? '', key));
      setOpenKey(existing?.id ?? key);
      setTab('chats');
    },
    [state.conversations, state.contacts, me, nameOf],
  );

  const startCall = useCallback(
    (username: string) => {
      const key = `dial-${username}-${Date.now()}`;
      setSession({ key, id: null, conference: false, peer: username });
      api.dial(username).then(
        (r) => {
          if (isConference(r)) {
            dispatch({ type: 'conference', conference: r });
            r.calls.forEach((call) => dispatch({ type: 'call', call }));
          } else {
            dispatch({ type: 'call', call: r });
          }
          setSession((s) => (s?.key === key ? { ...s, id: r.id, conference: isConference(r) } : s));
        },
        (e: unknown) => {
          setSession((s) => (s?.key === key ? null : s));
          report(e);
        },
      );
    },
    [api, dispatch, report],
  );

  // On a narrow screen the tabs stay on top of an open conversation: choosing one goes back to its list.
  const chooseTab = (t: Tab) => {
    setTab(t);
    if (window.matchMedia(NARROW).matches) setOpenKey(null);
  };

  const incoming = Object.values(state.calls).find((c) => c.state === 'incoming' && !handled.has(c.id)) ?? null;
  const markHandled = (id: string) => setHandled((h) => new Set(h).add(id));

  const answer = (call: Call) => {
    markHandled(call.id);
    const previous = session;
    if (previous?.id && previous.id !== call.id) api.hangup(previous.id).catch(() => {});
    setSession({ key: call.id, id: call.id, conference: false, peer: call.peer });
    api.answer(call.id).then(
      (c) => dispatch({ type: 'call', call: c }),
      (e: unknown) => {
        setSession((s) => (s?.key === call.id ? null : s));
        report(e);
      },
    );
  };
  const decline = (call: Call) => {
    markHandled(call.id);
    api.decline(call.id).then((c) => dispatch({ type: 'call', call: c }), report);
  };

  const ctx: AppContextValue = {
    api,
    me,
    state,
    dispatch,
    subscribe: daemon.subscribe,
    nameOf,
    presenceOf: (username) => state.presence[username.toLowerCase()],
    openChat,
    startCall,
    inCall: session !== null,
    report,
    reloadContacts: daemon.reloadContacts,
    loadPresence: daemon.loadPresence,
  };

  const view = openKey ? 'conversation' : session ? 'call' : 'list';
  return (
    <AppContext.Provider value={ctx}>
      <div className="app" data-view={view}>
        <Header status={status} onStatus={onStatus} />
        {notice && (
          <div className="notice" role="alert">
            <span>{notice}</span>
            <button type="button" className="icon-btn" aria-label="Dismiss" onClick={() => setNotice(null)}>
              <Icon name="close" size={18} />
            </button>
          </div>
        )}
        <div className="layout">
          <Sidebar tab={tab} onTab={chooseTab} openKey={openKey} />
          <main className="pane">
            {session && <CallScreen key={session.key} session={session} onClose={() => setSession((s) => (s?.key === session.key ? null : s))} onEnded={daemon.reloadHistory} />}
            {openKey ? (
              <Conversation key={openKey} convKey={openKey} onBack={() => setOpenKey(null)} />
            ) : (
              !session && (
                <div className="welcome">
                  <div className="welcome-card">
                    <h2>Welcome, {me}</h2>
                    <p className="muted">Pick a contact to chat or call, or open one of your chats.</p>
                  </div>
                </div>
              )
            )}
          </main>
        </div>
        {incoming && <IncomingCall key={incoming.id} call={incoming} inCall={session !== null} onAnswer={() => answer(incoming)} onDecline={() => decline(incoming)} />}
      </div>
    </AppContext.Provider>
  );
}
