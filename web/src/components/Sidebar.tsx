// The sidebar: tabs (Contacts, Chats, Calls) that move with the arrow keys, and the chosen tab's panel.
import { useId, useRef, type KeyboardEvent } from 'react';

import { useApp } from '../context';
import { AddContact } from './AddContact';
import { CallHistory } from './CallHistory';
import { ContactList } from './ContactList';
import { ContactRequests } from './ContactRequests';
import { ConversationList } from './ConversationList';
import { MessageSearch } from './MessageSearch';

export type Tab = 'contacts' | 'chats' | 'calls';
const TABS: readonly { id: Tab; label: string }[] = [
  { id: 'contacts', label: 'Contacts' },
  { id: 'chats', label: 'Chats' },
  { id: 'calls', label: 'Calls' },
];

export function Sidebar({ tab, onTab, openKey }: { tab: Tab; onTab: (t: Tab) => void; openKey: string | null }) {
  const { state } = useApp();
  const id = useId();
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);
  const unread = state.conversations.reduce((n, c) => n + c.unread, 0);
  const requests = state.contacts.filter((c) => c.state === 'pending').length;
  const badges: Record<Tab, number> = { contacts: requests, chats: unread, calls: 0 };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const at = TABS.findIndex((t) => t.id === tab);
    const to = e.key === 'ArrowRight' ? at + 1 : e.key === 'ArrowLeft' ? at - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? TABS.length - 1 : null;
    if (to === null) return;
    e.preventDefault();
    const i = (to + TABS.length) % TABS.length;
    const next = TABS[i];
    if (!next) return;
    onTab(next.id);
    buttons.current[i]?.focus();
  };

  return (
    <aside className="sidebar" aria-label="Contacts, chats and calls">
      <div className="tabs" role="tablist" aria-label="Sidebar" onKeyDown={onKeyDown}>
        {TABS.map((t, i) => (
          <button
            key={t.id}
            ref={(el) => {
              buttons.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`${id}-tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={tab === t.id ? `${id}-panel` : undefined}
            tabIndex={tab === t.id ? 0 : -1}
            className="tab"
            onClick={() => onTab(t.id)}
          >
            {t.label}
            {badges[t.id] > 0 && (
              <span className="tab-badge" aria-hidden="true">
                {badges[t.id]}
              </span>
            )}
          </button>
        ))}
      </div>
      <div className="panel" role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-tab-${tab}`}>
        {tab === 'contacts' && (
          <>
            <ContactRequests />
            <ContactList />
            <AddContact />
          </>
        )}
        {tab === 'chats' && (
          <>
            <MessageSearch />
            <ConversationList openKey={openKey} />
          </>
        )}
        {tab === 'calls' && <CallHistory />}
      </div>
    </aside>
  );
}
