// A call's buttons: Mute (a toggle: aria-pressed), Hold/Resume and Hang up.
import { Icon } from './Icon';

interface CallControlsProps {
  /** Answered (mute and hold work). */
  readonly live: boolean;
  /** The call has an id (a dial under way has none yet). */
  readonly ready: boolean;
  readonly muted: boolean;
  readonly held: boolean;
  readonly onMute: () => void;
  readonly onHold: () => void;
  readonly onHangUp: () => void;
}

export function CallControls({ live, ready, muted, held, onMute, onHold, onHangUp }: CallControlsProps) {
  return (
    <div className="call-controls" role="group" aria-label="Call controls">
      <button type="button" className={muted ? 'round-btn toggled' : 'round-btn'} aria-pressed={muted} onClick={onMute} disabled={!live}>
        <span className="round-icon">
          <Icon name={muted ? 'micOff' : 'mic'} />
        </span>
        <span>Mute</span>
      </button>
      <button type="button" className={held ? 'round-btn toggled' : 'round-btn'} onClick={onHold} disabled={!live}>
        <span className="round-icon">
          <Icon name={held ? 'play' : 'pause'} />
        </span>
        <span>{held ? 'Resume' : 'Hold'}</span>
      </button>
      <button type="button" className="round-btn hang-up" onClick={onHangUp} disabled={!ready}>
        <span className="round-icon">
          <Icon name="hangUp" />
        </span>
        <span>Hang up</span>
      </button>
    </div>
  );
}
