// The form that asks someone to be a contact, with a greeting.
import { useId, useState, type FormEvent } from 'react';

import { useApp } from '../context';
import { errorText } from '../format';
import { Icon } from './Icon';

const GREETING = "Hi, it's me on Parley";

export function AddContact() {
  const { api, dispatch } = useApp();
  const id = useId();
  const [username, setUsername] = useState('');
  const [greeting, setGreeting] = useState(GREETING);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const name = username.trim();
    if (!name) {
      setError('Enter the username of the person to add.');
      return;
    }
    setBusy(true);
    setError(null);
    setSent(null);
    api.addContact(name, greeting).then(
      (contact) => {
        dispatch({ type: 'contact', contact });
        setBusy(false);
        setUsername('');
        setSent(`Request sent to ${contact.username}.`);
      },
      (err: unknown) => {
        setBusy(false);
        setError(errorText(err));
      },
    );
  };

  return (
    <section className="section">
      <h2 className="section-title">
        Add a contact
      </h2>
      <form className="add-contact" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={`${id}-user`}>Username to add</label>
          <input id={`${id}-user`} autoCapitalize="none" spellCheck={false} value={username} onChange={(e) => setUsername(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-greeting`}>Greeting</label>
          <input id={`${id}-greeting`} maxLength={1000} value={greeting} onChange={(e) => setGreeting(e.target.value)} />
        </div>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {sent && (
          <p role="status" className="success">
            {sent}
          </p>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy}>
          <Icon name="userPlus" size={18} />
          Send request
        </button>
      </form>
    </section>
  );
}
