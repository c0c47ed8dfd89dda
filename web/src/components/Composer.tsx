// The message box: Enter sends, Shift+Enter starts a new line; tells the other side I am typing (at most every 3 s).
import { useRef, useState, type FormEvent, type KeyboardEvent } from 'react';

import { errorText } from '../format';

const TYPING_EVERY_MS = 3000;

export function Composer({ onSend, onTyping }: { onSend: (text: string) => Promise<void>; onTyping: () => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const lastTyping = useRef(0);

  const send = () => {
    const body = text.trim();
    if (!body) return;
    setText('');
    setError(null);
    lastTyping.current = 0;
    onSend(body).catch((e: unknown) => {
      setText((t) => (t ? t : body));
      setError(errorText(e));
    });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  };

  const onChange = (value: string) => {
    setText(value);
    const now = Date.now();
    if (value.trim() && now - lastTyping.current >= TYPING_EVERY_MS) {
      lastTyping.current = now;
      onTyping();
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    send();
  };

  return (
    <form className="composer" onSubmit={submit}>
      {error && (
        <p className="error" role="alert">
          Not sent: {error}
        </p>
      )}
      <div className="composer-row">
        <textarea aria-label="Message" placeholder="Type a message" rows={1} value={text} onChange={(e) => onChange(e.target.value)} onKeyDown={onKeyDown} maxLength={8000} />
        <button type="submit" className="btn btn-primary" disabled={!text.trim()}>
          Send
        </button>
      </div>
    </form>
  );
}
