// The call history, newest first: who, which way (or missed), when, how long, why it ended and its quality.
import type { CallRecord } from '../api';
import { useApp } from '../context';
import { formatDuration, formatWhen, qualityWord, reasonText } from '../format';
import { Icon } from './Icon';

function direction(r: CallRecord): 'outgoing' | 'incoming' | 'missed' {
  if (r.outgoing) return 'outgoing';
  return r.answeredAt === null && r.reason !== 'declined' ? 'missed' : 'incoming';
}

/** Duration (when answered), why it ended, and its quality, as one line. */
function details(r: CallRecord): string {
  const mos = r.quality?.mos;
  return [r.answeredAt !== null ? formatDuration(r.endedAt - r.answeredAt) : null, reasonText(r.reason), mos !== undefined ? `MOS ${mos.toFixed(1)} (${qualityWord(mos)})` : null]
    .filter((x) => x !== null)
    .join(' · ');
}

export function CallHistory() {
  const { state } = useApp();
  return (
    <section className="section">
      <h2 className="section-title">
        Recent calls
      </h2>
      {state.history.length === 0 && <p className="empty">{state.loaded ? 'No calls yet.' : 'Loading…'}</p>}
      <ul className="list" aria-label="Call history">
        {state.history.map((r) => {
          const dir = direction(r);
          return (
            <li key={r.id} className="row history-row">
              <span className={`call-dir call-dir-${dir}`} aria-hidden="true">
                <Icon name={dir === 'outgoing' ? 'outgoing' : 'incoming'} size={18} />
              </span>
              <div className="row-main">
                <span className="row-top">
                  <span className={dir === 'missed' ? 'row-title missed' : 'row-title'}>{r.peer}</span>
                  <time className="row-time" dateTime={new Date(r.startedAt).toISOString()}>
                    {formatWhen(r.startedAt)}
                  </time>
                </span>
                <span className="history-meta">
                  <span className={`dir-text dir-${dir}`}>{dir}</span> · {details(r)}
                </span>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
