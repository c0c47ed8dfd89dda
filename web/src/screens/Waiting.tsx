// The screens before the daemon has answered: loading, and the daemon not answering (with a retry).
import { Logo } from '../components/Logo';

export function Loading() {
  return (
    <main className="center-page">
      <div className="card narrow-card" aria-busy="true">
        <Logo />
        <p className="muted" role="status">
          <span className="spinner" aria-hidden="true" /> Connecting to your Parley daemon…
        </p>
      </div>
    </main>
  );
}

export function Problem({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <main className="center-page">
      <div className="card narrow-card">
        <Logo />
        <h1>Parley is not answering</h1>
        <p role="alert" className="error">
          {message}
        </p>
        <p className="muted">Check that the daemon is still running, then try again.</p>
        <button type="button" className="btn btn-primary btn-block" onClick={onRetry}>
          Try again
        </button>
      </div>
    </main>
  );
}
