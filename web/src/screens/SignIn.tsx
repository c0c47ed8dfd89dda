// Signing in, and creating an account (which signs in too), while the daemon is signed out.
import { useEffect, useId, useState, type FormEvent } from 'react';

import type { Api, Status } from '../api';
import { Logo } from '../components/Logo';
import { errorText } from '../format';

type Mode = 'sign-in' | 'sign-up';

export function SignIn({ api, onStatus }: { api: Api; onStatus: (s: Status) => void }) {
  const [mode, setMode] = useState<Mode>('sign-in');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const signingUp = mode === 'sign-up';

  // Signed in elsewhere meanwhile (another tab, the CLI): on to the app.
  useEffect(
    () =>
      api.events(
        (e) => {
          if (e.type === 'account' && e.signedIn) void api.status().then(onStatus, () => {});
        },
        () => {},
      ),
    [api, onStatus],
  );

  const switchTo = (next: Mode) => {
    setMode(next);
    setError(null);
    setPassword('');
    setRepeat('');
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const name = username.trim();
    if (!name || !password) {
      setError('Enter a username and a password.');
      return;
    }
    if (signingUp && password !== repeat) {
      setError('The passwords do not match.');
      return;
    }
    setError(null);
    setBusy(true);
    (signingUp ? api.signUp : api.signIn)(name, password).then(
      (s) => {
        if (!s.signedIn) {
          setBusy(false);
          setError('The daemon is still signed out. Try again.');
        }
        onStatus(s);
      },
      (err: unknown) => {
        setBusy(false);
        setError(errorText(err));
      },
    );
  };

  return (
    <main className="center-page">
      <form className="card narrow-card sign-in" onSubmit={submit} aria-busy={busy} noValidate>
        <Logo />
        <h1>{signingUp ? 'Create a Parley account' : 'Sign in to Parley'}</h1>
        <p className="muted">{signingUp ? 'Pick a username people will call you by.' : 'Call and chat with your contacts, peer to peer.'}</p>
        <div className="field">
          <label htmlFor={`${id}-user`}>Username</label>
          <input id={`${id}-user`} name="username" autoComplete="username" autoCapitalize="none" spellCheck={false} value={username} onChange={(e) => setUsername(e.target.value)} disabled={busy} required />
        </div>
        <div className="field">
          <label htmlFor={`${id}-pass`}>Password</label>
          <input id={`${id}-pass`} type="password" name="password" autoComplete={signingUp ? 'new-password' : 'current-password'} value={password} onChange={(e) => setPassword(e.target.value)} disabled={busy} required />
        </div>
        {signingUp && (
          <div className="field">
            <label htmlFor={`${id}-repeat`}>Repeat password</label>
            <input id={`${id}-repeat`} type="password" name="repeat" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} disabled={busy} required />
          </div>
        )}
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy && <span className="spinner" aria-hidden="true" />}
          {signingUp ? 'Sign up' : 'Sign in'}
        </button>
        {busy && (
          <p role="status" className="muted small center">
            {signingUp ? 'Creating your account…' : 'Signing in…'} This can take a few seconds.
          </p>
        )}
        <p className="switch center">
          {signingUp ? 'Already have an account? ' : 'New to Parley? '}
          <button type="button" className="link" onClick={() => switchTo(signingUp ? 'sign-in' : 'sign-up')} disabled={busy}>
            {signingUp ? 'Use an existing account' : 'Create an account'}
          </button>
        </p>
      </form>
    </main>
  );
}
