// The microphones and speakers the browser offers, listed again when devices change (and when `refresh` changes: labels come with the microphone's permission).
import { useEffect, useState } from 'react';

import { listAudioDevices, type AudioDevices } from '../audio/call-audio';

export function useAudioDevices(refresh: unknown): AudioDevices {
  const [devices, setDevices] = useState<AudioDevices>({ inputs: [], outputs: [] });
  useEffect(() => {
    let gone = false;
    const load = () => {
      listAudioDevices().then(
        (d) => {
          if (!gone) setDevices(d);
        },
        () => {},
      );
    };
    load();
    const media = 'mediaDevices' in navigator ? navigator.mediaDevices : null;
    media?.addEventListener('devicechange', load);
    return () => {
      gone = true;
      media?.removeEventListener('devicechange', load);
    };
  }, [refresh]);
  return devices;
}
