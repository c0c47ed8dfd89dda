// My accepted contacts with their presence and mood, each with Chat and Call buttons.
import type { Contact } from '../api';
import { useApp } from '../context';
import { presenceText } from '../format';
import { Avatar, PresenceDot } from './Avatar';
import { Icon } from './Icon';

const RANK = { online: 0, busy: 1, away: 2, offline: 3 } as const;

export function ContactList() {
  const { state, presenceOf, openChat, startCall, inCall } = useApp();
  const accepted = state.contacts.filter((c) => c.state === 'accepted');
  const rank = (c: Contact) => RANK[presenceOf(c.username)?.presence ?? 'offline'];
  const sorted = [...accepted].sort((a, b) => rank(a) - rank(b) || a.username.localeCompare(b.username));

  return (
    <section className="section">
      <h2 className="section-title">
        Contacts <span className="count">{accepted.length}</span>
      </h2>
      {sorted.length === 0 ? (
        <p className="empty">{state.loaded ? 'No contacts yet. Add someone below.' : 'Loading…'}</p>
      ) : (
        <ul className="list" aria-label="Contacts">
          {sorted.map((c) => {
            const p = presenceOf(c.username);
            return (
              <li key={c.username} className="row">
                <Avatar name={c.username} dot presence={p?.presence} />
                <div className="row-main">
                  <span className="row-title">{c.username}</span>
                  <span className={`presence-text presence-${p?.presence ?? 'offline'}`}>
                    <PresenceDot presence={p?.presence} /> {presenceText(p?.presence)}
                  </span>
                  {p?.mood && <span className="mood">{p.mood}</span>}
                </div>
                <div className="row-actions">
                  <button type="button" className="icon-btn" aria-label={`Chat with ${c.username}`} title={`Chat with ${c.username}`} onClick={() => openChat(c.username)}>
                    <Icon name="chat" />
                  </button>
                  <button type="button" className="icon-btn icon-btn-call" aria-label={`Call ${c.username}`} title={`Call ${c.username}`} onClick={() => startCall(c.username)} disabled={inCall}>
                    <Icon name="phone" />
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
