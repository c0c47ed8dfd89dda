// The incoming-call dialog: who is calling, Answer and Decline, with the ring tone while it shows.
import { useEffect, useRef } from 'react';

import type { Call } from '../api';
import { startRingTone } from '../audio/ring';
import { Avatar } from './Avatar';
import { Icon } from './Icon';

interface IncomingCallProps {
  readonly call: Call;
  /** Another call is up (answering ends it). */
  readonly inCall: boolean;
  readonly onAnswer: () => void;
  readonly onDecline: () => void;
}

/** Shows the dialog, modal or not (where the browser has no showModal: open). */
function present(d: HTMLDialogElement, modal: boolean): void {
  if (modal && typeof d.showModal === 'function') d.showModal();
  else if (!modal && typeof d.show === 'function') d.show();
  else d.setAttribute('open', '');
}

export function IncomingCall({ call, inCall, onAnswer, onDecline }: IncomingCallProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const answer = useRef<HTMLButtonElement>(null);
  const leaving = useRef(false);
  // Modal, unless a call is up when this one starts ringing: its controls must stay usable meanwhile.
  const modal = useRef(!inCall);

  useEffect(() => startRingTone(), []);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (!d.open) present(d, modal.current);
    if (modal.current) answer.current?.focus();
    leaving.current = false;
    return () => {
      leaving.current = true;
      if (d.open) d.close();
    };
  }, []);

  return (
    <dialog
      ref={dialog}
      className="incoming"
      aria-label={`Incoming call from ${call.peer}`}
      // Escape neither declines nor hides the call: it keeps ringing until answered or declined.
      onCancel={(e) => e.preventDefault()}
      onClose={() => {
        // The browser may close a modal on a second Escape all the same: the call still rings, so it comes back.
        const d = dialog.current;
        if (!leaving.current && d && !d.open) present(d, modal.current);
      }}
    >
      <div className="incoming-body">
        <div className="pulse">
          <Avatar name={call.peer} size="lg" />
        </div>
        <h2>{call.peer} is calling</h2>
        <p className="muted">{inCall ? 'Answering ends your current call.' : call.conference ? 'You are invited to a conference.' : 'Incoming Parley call'}</p>
        <div className="incoming-actions">
          <button type="button" ref={answer} className="btn btn-answer" onClick={onAnswer}>
            <Icon name="phone" size={18} />
            Answer
          </button>
          <button type="button" className="btn btn-danger" onClick={onDecline}>
            <Icon name="hangUp" size={18} />
            Decline
          </button>
        </div>
      </div>
    </dialog>
  );
}
