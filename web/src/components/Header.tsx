// The top bar: who is signed in, my presence and mood, and signing out.
import { useId, useRef, useState } from 'react';

import type { Presence, Status } from '../api';
import { useApp } from '../context';
import { Avatar } from './Avatar';
import { Icon } from './Icon';
import { Logo } from './Logo';

type Choice = Exclude<Presence, 'offline'> | 'invisible';
const CHOICES: readonly { value: Choice; label: string }[] = [
  { value: 'online', label: 'Online' },
  { value: 'away', label: 'Away' },
  { value: 'busy', label: 'Busy' },
  { value: 'invisible', label: 'Invisible' },
];

export function Header({ status, onStatus }: { status: Status; onStatus: (s: Status) => void }) {
  const { api, me, report } = useApp();
  const id = useId();
  const choice: Choice = status.presence === 'offline' ? 'invisible' : (status.presence ?? 'online');
  const [mood, setMood] = useState(status.mood ?? '');
  const savedMood = useRef(status.mood ?? '');
  const [signingOut, setSigningOut] = useState(false);

  const changePresence = (next: Choice) => {
    const presence: Presence = next === 'invisible' ? 'offline' : next;
    onStatus({ ...status, presence });
    api.setPresence(next).catch((e: unknown) => {
      onStatus(status);
      report(e);
    });
  };

  const saveMood = () => {
    const text = mood.trim();
    if (text === savedMood.current) return;
    savedMood.current = text;
    api.setPresence(choice, text).then(
      () => onStatus({ ...status, mood: text }),
      (e: unknown) => {
        savedMood.current = status.mood ?? '';
        report(e);
      },
    );
  };

  const signOut = () => {
    setSigningOut(true);
    api.signOut().then(onStatus, (e: unknown) => {
      setSigningOut(false);
      report(e);
    });
  };

  return (
    <header className="topbar">
      <Logo small />
      <div className="me">
        <Avatar name={me} dot presence={status.presence} size="sm" />
        <span className="me-name" title={`Signed in on ${status.network}`}>
          {me}
        </span>
      </div>
      <div className="me-controls">
        <div className="presence-select">
          <label htmlFor={`${id}-presence`} className="visually-hidden">
            Presence
          </label>
          <select id={`${id}-presence`} value={choice} onChange={(e) => changePresence(e.target.value as Choice)}>
            {/* The option's label attribute, not its text: a closed select's options are no page text ("online" is a contact's). */}
            {CHOICES.map((c) => (
              <option key={c.value} value={c.value} label={c.label} />
            ))}
          </select>
        </div>
        <label htmlFor={`${id}-mood`} className="visually-hidden">
          Mood
        </label>
        <input
          id={`${id}-mood`}
          className="mood-input"
          placeholder="Set a mood message"
          maxLength={300}
          value={mood}
          onChange={(e) => setMood(e.target.value)}
          onBlur={saveMood}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              saveMood();
            }
          }}
        />
      </div>
      <button type="button" className="btn btn-ghost sign-out" onClick={signOut} disabled={signingOut}>
        <Icon name="signOut" size={18} />
        <span>Sign out</span>
      </button>
    </header>
  );
}
