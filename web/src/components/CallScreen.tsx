// The in-call screen: who, the call's state, timer and quality, the controls, devices, adding people and the conference roster; it runs the call's audio.
import { useEffect, useEffectEvent, useRef, useState } from 'react';

import { type Call, type Conference } from '../api';
import { callView, type Session } from '../call-view';
import { useApp } from '../context';
import { formatDuration, qualityText, qualityWord } from '../format';
import { useCallAudio } from '../hooks/useCallAudio';
import { useNow } from '../hooks/useNow';
import { same } from '../names';
import { isConference } from '../state';
import { AddToCall } from './AddToCall';
import { Avatar } from './Avatar';
import { CallControls } from './CallControls';
import { DevicePicker } from './DevicePicker';
import { Icon } from './Icon';

const ENDED_SHOWN_MS = 4000;
const POLL_MS = 2000;

export function CallScreen({ session, onClose, onEnded }: { session: Session; onClose: () => void; onEnded: () => void }) {
  const { api, me, state, dispatch, report } = useApp();
  const view = callView(session, state.calls, state.conferences, me);
  const [muted, setMuted] = useState(view.muted);
  const [inputId, setInputId] = useState('');
  const [outputId, setOutputId] = useState('');
  const audio = useCallAudio(api, session.id, view.phase === 'live', { inputId, outputId, muted });
  const now = useNow(1000, view.phase === 'live');
  const card = useRef<HTMLElement>(null);

  const take = (r: Call | Conference) => {
    if (isConference(r)) {
      dispatch({ type: 'conference', conference: r });
      r.calls.forEach((call) => dispatch({ type: 'call', call }));
    } else {
      dispatch({ type: 'call', call: r });
    }
  };

  // The screen takes the focus when it opens (after Answer or Call).
  useEffect(() => {
    card.current?.focus();
  }, []);

  // A call this page has not heard of (a reload mid-call): ask the daemon.
  const missing = session.id !== null && !session.conference && !state.calls[session.id];
  const fetchMissing = useEffectEvent(() => {
    if (session.id === null) return;
    api.call(session.id).then((c) => dispatch({ type: 'call', call: c }), onClose);
  });
  useEffect(() => {
    if (missing) fetchMissing();
  }, [missing]);

  // The quality, every 2 s while the call is live.
  const poll = useEffectEvent(() => {
    for (const id of view.pollIds) api.call(id).then((c) => dispatch({ type: 'call', call: c }), () => {});
  });
  useEffect(() => {
    if (view.phase !== 'live') return;
    const timer = setInterval(() => poll(), POLL_MS);
    return () => clearInterval(timer);
  }, [view.phase]);

  // Ended: say so for a few seconds, then go back.
  const ended = useEffectEvent(() => {
    onEnded();
    return setTimeout(onClose, ENDED_SHOWN_MS);
  });
  useEffect(() => {
    if (view.phase !== 'ended') return;
    const timer = ended();
    return () => clearTimeout(timer);
  }, [view.phase]);

  const act = (p: Promise<Call | Conference>) => p.then(take, report);
  const id = view.actionId;
  const toggleMute = () => {
    if (id === null) return;
    const next = !muted;
    setMuted(next);
    audio.setMuted(next);
    api.mute(id, next).then(take, (e: unknown) => {
      setMuted(!next);
      audio.setMuted(!next);
      report(e);
    });
  };

  const live = view.phase === 'live';
  const quality = view.mos !== null ? qualityText(view.mos) : 'Quality: measuring…';
  return (
    <section className={`call-card call-${view.phase}`} role="region" aria-label={view.label} ref={card} tabIndex={-1}>
      <div className="call-top">
        {view.label === 'Conference' ? (
          <span className="avatar avatar-lg avatar-group" aria-hidden="true">
            <Icon name="users" size={30} />
          </span>
        ) : (
          <Avatar name={view.title} size="lg" />
        )}
        <div className="call-info">
          <h2 className="call-title">{view.title}</h2>
          {view.host && <p className="small muted">Hosted by {view.host}</p>}
          <p className="call-state">
            <span>{view.stateText}</span>
            {live && view.answeredAt !== null && (
              <span className="call-timer" aria-label="Call time">
                {formatDuration(now - view.answeredAt)}
              </span>
            )}
          </p>
          {live && (
            <p role="status" className={`quality quality-${view.mos !== null ? qualityWord(view.mos) : 'unknown'}`}>
              <span className="bars" aria-hidden="true">
                <i />
                <i />
                <i />
              </span>
              {quality}
            </p>
          )}
          {live && view.remoteMuted && <p className="small muted">{view.title} muted their microphone</p>}
          {audio.note && <p className="small warn">{audio.note}</p>}
        </div>
      </div>
      {view.roster && (
        <div className="roster">
          <h3 className="section-title">In this call</h3>
          <ul aria-label="In this call" className="roster-list">
            {view.roster.map((name) => (
              <li key={name} className="roster-item">
                <Avatar name={name} size="sm" />
                <span>{same(name, me) ? `${name} (you)` : name}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {view.phase !== 'ended' && (
        <CallControls
          live={live}
          ready={id !== null}
          muted={muted}
          held={view.held}
          onMute={toggleMute}
          onHold={() => {
            if (id !== null) void act(api.hold(id, !view.held));
          }}
          onHangUp={() => {
            if (id !== null) void act(api.hangup(id));
          }}
        />
      )}
      {live && (
        <DevicePicker
          inputId={inputId}
          outputId={outputId}
          refresh={audio.running}
          onInput={(d) => {
            setInputId(d);
            audio.setInput(d);
          }}
          onOutput={(d) => {
            setOutputId(d);
            audio.setOutput(d);
          }}
        />
      )}
      {live && view.canAdd && id !== null && <AddToCall callId={id} onAdded={take} />}
    </section>
  );
}
