// The page shown without a web token: how to open Parley with the link the daemon prints.
import { Logo } from '../components/Logo';

export function NoToken({ rejected }: { rejected: boolean }) {
  return (
    <main className="center-page">
      <div className="card narrow-card">
        <Logo />
        <h1>Open Parley from your daemon's link</h1>
        {rejected && (
          <p role="alert" className="error">
            The daemon did not accept this page's key. Open a fresh link.
          </p>
        )}
        <p>
          This page talks to the Parley daemon on your computer, and needs the private link it prints. Run this in a terminal and open the link it shows:
        </p>
        <pre className="code">
          <code>parley web --profile DIR</code>
        </pre>
        <p className="muted">
          <code>DIR</code> is your profile's directory. The link holds a key for this browser only: do not share it.
        </p>
      </div>
    </main>
  );
}
