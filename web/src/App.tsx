// The app's root: the token from the daemon's link, the daemon's status, and which screen that calls for (no link, sign in, or the signed-in app).
import { useCallback, useEffect, useMemo, useState } from 'react';

import { Api, ApiError, forgetToken, takeToken, type Status } from './api';
import { errorText } from './format';
import { Main } from './screens/Main';
import { NoToken } from './screens/NoToken';
import { SignIn } from './screens/SignIn';
import { Problem, Loading } from './screens/Waiting';

export function App() {
  const [token, setToken] = useState<string | null>(() => takeToken());
  const [rejected, setRejected] = useState(false);
  const api = useMemo(() => (token ? new Api(token) : null), [token]);
  const [status, setStatus] = useState<Status | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const refresh = useCallback(() => setAttempt((n) => n + 1), []);

  // A link opened in this tab again (a new token in the address).
  useEffect(() => {
    const onHash = () => {
      if (!window.location.hash.includes('token=')) return;
      setToken(takeToken());
      setRejected(false);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    if (!api) return;
    let gone = false;
    api.status().then(
      (s) => {
        if (gone) return;
        setStatus(s);
        setProblem(null);
      },
      (e: unknown) => {
        if (gone) return;
        if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
          forgetToken();
          setToken(null);
          setRejected(true);
        } else {
          setProblem(errorText(e));
        }
      },
    );
    return () => {
      gone = true;
    };
  }, [api, attempt]);

  if (!api) return <NoToken rejected={rejected} />;
  if (!status) return problem ? <Problem message={problem} onRetry={refresh} /> : <Loading />;
  if (!status.signedIn) return <SignIn api={api} onStatus={setStatus} />;
  return <Main key={status.username ?? ''} api={api} status={status} onStatus={setStatus} onRefresh={refresh} />;
}
