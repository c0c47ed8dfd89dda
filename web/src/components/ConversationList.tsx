// My conversations, most recent first: title, last message and an unread badge.
import type { Conversation } from '../api';
import { useApp } from '../context';
import { formatWhen } from '../format';
import { conversationTitle, directPeer, same } from '../names';
import { Avatar } from './Avatar';

function preview(c: Conversation, me: string, nameOf: (x: string) => string, group: boolean): string {
  const m = c.last;
  if (!m) return 'No messages yet';
  const text = m.deleted ? 'Message deleted' : m.text.replace(/\s+/g, ' ');
  if (m.outgoing) return `You: ${text}`;
  return group ? `${nameOf(m.sender)}: ${text}` : text;
}

export function ConversationList({ openKey }: { openKey: string | null }) {
  const { me, state, nameOf, presenceOf, openChat } = useApp();
  if (state.conversations.length === 0) {
    return <p className="empty">{state.loaded ? 'No chats yet. Start one from your contacts.' : 'Loading…'}</p>;
  }
  return (
    <section className="section">
      <h2 className="section-title">
        Recent chats
      </h2>
      <ul className="list" aria-label="Conversations">
        {state.conversations.map((c) => {
          const peer = directPeer(c, me, state.contacts, nameOf);
          const title = conversationTitle(c, me, state.contacts, nameOf);
          const selected = openKey !== null && (c.id === openKey || (peer !== null && same(peer, openKey)));
          return (
            <li key={c.id}>
              <button type="button" className={selected ? 'row row-button selected' : 'row row-button'} aria-current={selected ? 'true' : undefined} onClick={() => openChat(c.id)}>
                <Avatar name={title} dot={peer !== null} presence={peer ? presenceOf(peer)?.presence : undefined} />
                <span className="row-main">
                  <span className="row-top">
                    <span className={c.unread > 0 ? 'row-title strong' : 'row-title'}>{title}</span>
                    {c.last && <time className="row-time" dateTime={new Date(c.last.sentAt).toISOString()}>{formatWhen(c.last.sentAt)}</time>}
                  </span>
                  <span className="row-bottom">
                    <span className="preview">{preview(c, me, nameOf, peer === null)}</span>
                    {c.unread > 0 && (
                      <span className="badge" aria-label={`${c.unread} unread`}>
                        {c.unread}
                      </span>
                    )}
                  </span>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
