// A conversation's messages as a log: sender, time and text, with a delivery mark on mine.
import { useEffect, useRef } from 'react';

import type { Message, MessageState } from '../api';
import { formatWhen } from '../format';

const GLYPH: Record<Exclude<MessageState, 'received'>, string> = { sending: '…', sent: '✓', delivered: '✓✓', read: '✓✓' };

function Mark({ state }: { state: MessageState }) {
  if (state === 'received') return null;
  return (
    <span className={`mark mark-${state}`} aria-label={state} title={state}>
      <span aria-hidden="true">{GLYPH[state]}</span> {state}
    </span>
  );
}

interface MessageLogProps {
  readonly messages: readonly Message[];
  readonly me: string;
  readonly nameOf: (x: string) => string;
  readonly loading: boolean;
  readonly error: string | null;
}

export function MessageLog({ messages, me, nameOf, loading, error }: MessageLogProps) {
  const log = useRef<HTMLDivElement>(null);
  const count = messages.length;
  const lastId = messages.at(-1)?.id;

  // The newest message in view (when one comes, or the log loads).
  useEffect(() => {
    const el = log.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count, lastId]);

  return (
    // Named by title, not aria-label: "Messages" as a label would also answer to the message box's "Message".
    <div className="log" role="log" aria-label="Messages" ref={log} tabIndex={0}>
      {loading && <p className="empty">Loading messages…</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!loading && !error && count === 0 && <p className="empty">No messages yet. Say hello!</p>}
      {messages.map((m) => {
        const sender = m.outgoing ? me : nameOf(m.sender);
        return (
          <div key={m.id} className={m.outgoing ? 'msg msg-out' : 'msg msg-in'}>
            <div className="bubble">
              <div className="msg-meta">
                <span className="sender">{sender}</span>
                <time dateTime={new Date(m.sentAt).toISOString()}>{formatWhen(m.sentAt)}</time>
              </div>
              {m.deleted ? <p className="msg-text deleted">This message was deleted</p> : <p className="msg-text">{m.text}</p>}
              {(m.editedAt !== null || m.outgoing) && (
                <div className="msg-foot">
                  {m.editedAt !== null && !m.deleted && <span className="edited">edited</span>}
                  {m.outgoing && <Mark state={m.state} />}
                </div>
              )}
            </div>
          </div>
        );
      })}
    </div>
  );
}
