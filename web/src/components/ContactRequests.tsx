// Contact requests: the ones people sent me (Accept, Decline) and the ones I sent that wait for an answer.
import { useState } from 'react';

import type { Contact } from '../api';
import { useApp } from '../context';
import { Avatar } from './Avatar';

export function ContactRequests() {
  const { api, state, dispatch, loadPresence, report } = useApp();
  const [busy, setBusy] = useState<ReadonlySet<string>>(() => new Set());
  const pending = state.contacts.filter((c) => c.state === 'pending');
  const requested = state.contacts.filter((c) => c.state === 'requested');
  if (pending.length === 0 && requested.length === 0) return null;

  const answer = (c: Contact, how: 'accept' | 'decline') => {
    setBusy((b) => new Set(b).add(c.username));
    api.answerContact(c.username, how).then(
      (contact) => {
        dispatch({ type: 'contact', contact });
        if (contact.state === 'accepted') loadPresence([contact.username]);
      },
      (e: unknown) => {
        setBusy((b) => {
          const next = new Set(b);
          next.delete(c.username);
          return next;
        });
        report(e);
      },
    );
  };

  return (
    <section className="section">
      <h2 className="section-title">
        Contact requests
      </h2>
      <ul className="list" aria-label="Contact requests">
        {pending.map((c) => (
          <li key={c.username} className="row request">
            <Avatar name={c.username} />
            <div className="row-main">
              <span className="row-title">{c.username}</span>
              {c.greeting && <span className="greeting">“{c.greeting}”</span>}
              <div className="request-actions">
                <button type="button" className="btn btn-primary btn-small" aria-label={`Accept ${c.username}`} onClick={() => answer(c, 'accept')} disabled={busy.has(c.username)}>
                  Accept
                </button>
                <button type="button" className="btn btn-secondary btn-small" aria-label={`Decline ${c.username}`} onClick={() => answer(c, 'decline')} disabled={busy.has(c.username)}>
                  Decline
                </button>
              </div>
            </div>
          </li>
        ))}
        {requested.map((c) => (
          <li key={c.username} className="row request waiting">
            <Avatar name={c.username} />
            <div className="row-main">
              <span className="row-title muted">waiting for {c.username}</span>
              <span className="small muted">Your request was sent</span>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
