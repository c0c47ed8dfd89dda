// Searching my messages: a search box and the hits (a click opens the conversation).
import { useEffect, useId, useState } from 'react';

import type { SearchHit } from '../api';
import { useApp } from '../context';
import { errorText, formatWhen, snippetParts } from '../format';
import { conversationTitle } from '../names';
import { Icon } from './Icon';

export function MessageSearch() {
  const { api, me, state, nameOf, openChat } = useApp();
  const id = useId();
  const [query, setQuery] = useState('');
  const [result, setResult] = useState<{ query: string; hits: SearchHit[]; error: string | null } | null>(null);
  const q = query.trim();

  useEffect(() => {
    if (!q) return;
    let gone = false;
    const timer = setTimeout(() => {
      api.search(q).then(
        (hits) => {
          if (!gone) setResult({ query: q, hits, error: null });
        },
        (e: unknown) => {
          if (!gone) setResult({ query: q, hits: [], error: errorText(e) });
        },
      );
    }, 250);
    return () => {
      gone = true;
      clearTimeout(timer);
    };
  }, [api, q]);

  const shown = q && result?.query === q ? result : null;
  const titleOf = (conversation: string) => {
    const c = state.conversations.find((x) => x.id === conversation);
    return c ? conversationTitle(c, me, state.contacts, nameOf) : conversation;
  };

  return (
    <div className="search">
      <div className="search-box">
        <Icon name="search" size={18} />
        {/* Named by title and placeholder, not a label: a label "Search messages" would also answer to the message box's "Message". */}
        <input id={`${id}-q`} type="search" aria-label="Search messages" placeholder="Search messages" value={query} onChange={(e) => setQuery(e.target.value)} />
      </div>
      {q && !shown && (
        <p className="small muted" role="status">
          Searching…
        </p>
      )}
      {shown?.error && (
        <p className="error" role="alert">
          {shown.error}
        </p>
      )}
      {shown && !shown.error && (
        <>
          <p className="small muted" role="status">
            {shown.hits.length === 0 ? 'No messages found' : `${shown.hits.length} found`}
          </p>
          <ul className="list search-hits" aria-label="Search results">
            {shown.hits.map((h) => (
              <li key={h.message.id}>
                <button type="button" className="row row-button hit" onClick={() => openChat(h.message.conversation)}>
                  <span className="row-main">
                    <span className="row-top">
                      <span className="row-title">{titleOf(h.message.conversation)}</span>
                      <time className="row-time">{formatWhen(h.message.sentAt)}</time>
                    </span>
                    <span className="snippet">
                      {h.message.outgoing ? 'You: ' : `${nameOf(h.message.sender)}: `}
                      {snippetParts(h.snippet).map((p, i) => (p.hit ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
                    </span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
