// A call screen's audio in the browser: started once when the call goes live, stopped when it ends or the screen goes away.
import { useEffect, useEffectEvent, useRef, useState } from 'react';

import type { Api } from '../api';
import { startCallAudio, type CallAudio, type CallAudioOptions } from '../audio/call-audio';
import { errorText } from '../format';

export interface AudioPrefs {
  readonly inputId: string;
  readonly outputId: string;
  readonly muted: boolean;
}

export interface CallAudioControls {
  /** Why the audio stopped or could not start (null while all is well). */
  readonly note: string | null;
  readonly running: boolean;
  readonly setMuted: (muted: boolean) => void;
  readonly setInput: (deviceId: string) => void;
  readonly setOutput: (deviceId: string) => void;
}

/** `audioId`: the call's (or conference's) id on the audio socket; `live`: answered and not ended. */
export function useCallAudio(api: Api, audioId: string | null, live: boolean, prefs: AudioPrefs): CallAudioControls {
  const handle = useRef<CallAudio | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  // The latest choices, for an audio start that finishes after they changed (mute pressed meanwhile).
  const latest = useRef(prefs);
  useEffect(() => {
    latest.current = prefs;
  });

  const start = useEffectEvent((gone: () => boolean) => {
    if (audioId === null) return;
    const options: CallAudioOptions = {
      record: new URLSearchParams(location.search).has('record'),
      ...(prefs.inputId ? { inputId: prefs.inputId } : {}),
      ...(prefs.outputId ? { outputId: prefs.outputId } : {}),
      onEnd: (reason) => {
        if (gone()) return;
        setRunning(false);
        setNote(`Audio stopped: ${reason}`);
      },
    };
    startCallAudio(api.socketUrl('/v1/calls/' + audioId + '/audio'), options).then(
      (h) => {
        if (gone()) {
          h.stop();
          return;
        }
        handle.current = h;
        if (latest.current.muted) h.setMicMuted(true);
        setRunning(true);
        setNote(null);
      },
      (e: unknown) => {
        if (!gone()) setNote(`No audio: ${errorText(e)}`);
      },
    );
  });

  const ready = live && audioId !== null;
  useEffect(() => {
    if (!ready) return;
    let gone = false;
    start(() => gone);
    return () => {
      gone = true;
      handle.current?.stop();
      handle.current = null;
    };
  }, [ready]);

  const fail = (e: unknown) => setNote(`Could not switch devices: ${errorText(e)}`);
  return {
    note: live ? note : null,
    running: live && running,
    setMuted: (muted) => handle.current?.setMicMuted(muted),
    setInput: (deviceId) => void handle.current?.setInput(deviceId).catch(fail),
    setOutput: (deviceId) => void handle.current?.setOutput(deviceId).catch(fail),
  };
}
