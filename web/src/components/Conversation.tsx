// The open conversation: the peer and their presence, a Call button, the messages, who is typing, and the message box.
import { useEffect, useEffectEvent, useRef, useState } from 'react';

import type { DaemonEvent, Message } from '../api';
import { useApp } from '../context';
import { errorText, presenceText } from '../format';
import { conversationTitle, directPeer, isConversationId, same } from '../names';
import { Avatar, PresenceDot } from './Avatar';
import { Composer } from './Composer';
import { Icon } from './Icon';
import { MessageLog } from './MessageLog';

const TYPING_SHOWN_MS = 5000;

/** Adds a message, or puts the newer version of one in its place. */
/** Messages an open conversation keeps at most (the newest): a tab left open on a busy chat stays small. */
const MESSAGES_SHOWN_MAX = 500;

function upsert(list: readonly Message[], m: Message): Message[] {
  const i = list.findIndex((x) => x.id === m.id);
  if (i >= 0) return list.map((x, j) => (j === i ? m : x));
  return [...list, m].sort((a, b) => a.sentAt - b.sentAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(-MESSAGES_SHOWN_MAX);
}

/** `convKey`: a conversation id, or a username for the direct conversation with them. */
export function Conversation({ convKey, onBack }: { convKey: string; onBack: () => void }) {
  const { api, me, state, dispatch, subscribe, nameOf, presenceOf, startCall, inCall } = useApp();
  const listed = state.conversations.find((c) => c.id === convKey || (!isConversationId(convKey) && c.id.startsWith('dm:') && same(directPeer(c, me, state.contacts, nameOf) ?? '', convKey)));
  const [learned, setLearned] = useState<string | null>(null);
  const realId = isConversationId(convKey) ? convKey : (listed?.id ?? learned);
  const peer = listed ? directPeer(listed, me, state.contacts, nameOf) : isConversationId(convKey) ? null : convKey;
  const title = listed ? conversationTitle(listed, me, state.contacts, nameOf) : (peer ?? convKey);
  const presence = peer ? presenceOf(peer) : undefined;

  const [messages, setMessages] = useState<Message[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [typing, setTyping] = useState<string | null>(null);
  const typingTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const readLater = useRef(false);

  const markRead = useEffectEvent(() => {
    if (document.visibilityState !== 'visible') {
      readLater.current = true;
      return;
    }
    readLater.current = false;
    const id = realId ?? convKey;
    api.markRead(id).then(
      () => dispatch({ type: 'read', conversation: id }),
      () => {},
    );
  });

  useEffect(() => {
    let gone = false;
    api.messages(convKey).then(
      (list) => {
        if (gone) return;
        setMessages((now) => list.reduce(upsert, now));
        setLoading(false);
        const first = list[0];
        if (first) setLearned(first.conversation);
        markRead();
      },
      (e: unknown) => {
        if (gone) return;
        setLoading(false);
        // A username with no conversation yet has no messages either.
        if (isConversationId(convKey)) setError(errorText(e));
      },
    );
    return () => {
      gone = true;
    };
  }, [api, convKey]);

  /** Whether an event's conversation is this one (a direct one not known by id yet: by who sent it). */
  const isMine = (conversation: string, from: string | null): boolean => {
    if (conversation === realId) return true;
    if (realId !== null || peer === null || from === null || !conversation.startsWith('dm:') || !same(from, peer)) return false;
    setLearned(conversation);
    return true;
  };

  const onEvent = useEffectEvent((e: DaemonEvent) => {
    if (e.type === 'typing') {
      const who = nameOf(e.from);
      if (same(who, me) || !isMine(e.conversation, who)) return;
      setTyping(who);
      clearTimeout(typingTimer.current);
      typingTimer.current = setTimeout(() => setTyping(null), TYPING_SHOWN_MS);
      return;
    }
    if (e.type !== 'message' && e.type !== 'edited' && e.type !== 'deleted' && e.type !== 'state') return;
    const m = e.message;
    if (!isMine(m.conversation, m.outgoing ? null : nameOf(m.sender))) return;
    setMessages((now) => upsert(now, m));
    if (e.type === 'message' && !m.outgoing) {
      setTyping(null);
      markRead();
    }
  });
  useEffect(() => subscribe((e) => onEvent(e)), [subscribe]);

  // Messages that came while the page was hidden are read when it is seen again.
  const onSeen = useEffectEvent(() => {
    if (readLater.current && document.visibilityState === 'visible') markRead();
  });
  useEffect(() => {
    const seen = () => onSeen();
    document.addEventListener('visibilitychange', seen);
    window.addEventListener('focus', seen);
    return () => {
      document.removeEventListener('visibilitychange', seen);
      window.removeEventListener('focus', seen);
      clearTimeout(typingTimer.current);
    };
  }, []);

  const send = async (text: string) => {
    const m = await api.send(realId ?? convKey, text);
    setMessages((now) => upsert(now, m));
    if (realId === null) setLearned(m.conversation);
  };
  const sendTyping = () => {
    api.typing(realId ?? convKey).catch(() => {});
  };

  return (
    <section className="conversation" aria-labelledby="conversation-title">
      <header className="conv-header">
        <button type="button" className="icon-btn back" aria-label="Back" onClick={onBack}>
          <Icon name="back" />
        </button>
        <Avatar name={title} dot={peer !== null} presence={presence?.presence} />
        <div className="conv-who">
          <h2 id="conversation-title">{title}</h2>
          {peer !== null && (
            <p className={`presence-text presence-${presence?.presence ?? 'offline'}`}>
              <PresenceDot presence={presence?.presence} /> {presenceText(presence?.presence)}
              {presence?.mood && <span className="mood"> · {presence.mood}</span>}
            </p>
          )}
        </div>
        {peer !== null && (
          <button type="button" className="btn btn-primary btn-call" aria-label={`Call ${peer}`} onClick={() => startCall(peer)} disabled={inCall}>
            <Icon name="phone" size={18} />
            <span>Call</span>
          </button>
        )}
      </header>
      <MessageLog messages={messages} me={me} nameOf={nameOf} loading={loading} error={error} />
      <p className="typing" aria-live="polite">
        {typing ? `${typing} is typing…` : ''}
      </p>
      <Composer onSend={send} onTyping={sendTyping} />
    </section>
  );
}
