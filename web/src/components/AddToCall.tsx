// Adding someone to a call (it becomes a conference hosted here).
import { useId, useState, type FormEvent } from 'react';

import type { Conference } from '../api';
import { useApp } from '../context';
import { errorText } from '../format';
import { Icon } from './Icon';

export function AddToCall({ callId, onAdded }: { callId: string; onAdded: (c: Conference) => void }) {
  const { api } = useApp();
  const id = useId();
  const [username, setUsername] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const name = username.trim();
    if (!name) return;
    setBusy(true);
    setError(null);
    api.addToCall(callId, name).then(
      (conf) => {
        setBusy(false);
        setUsername('');
        onAdded(conf);
      },
      (err: unknown) => {
        setBusy(false);
        setError(errorText(err));
      },
    );
  };

  return (
    <form className="add-to-call" onSubmit={submit} noValidate>
      <label htmlFor={`${id}-user`} className="add-label">
        Add to call
      </label>
      <div className="inline-form">
        <input id={`${id}-user`} placeholder="Username" autoCapitalize="none" spellCheck={false} value={username} onChange={(e) => setUsername(e.target.value)} />
        <button type="submit" className="btn btn-secondary" disabled={busy || !username.trim()}>
          <Icon name="plus" size={18} />
          Add
        </button>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}
