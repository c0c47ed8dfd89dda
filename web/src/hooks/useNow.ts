// The current time, ticking every periodMs while `on` (for call timers).
import { useEffect, useState } from 'react';

export function useNow(periodMs: number, on = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    const tick = () => setNow(Date.now());
    const timer = setInterval(tick, periodMs);
    return () => clearInterval(timer);
  }, [periodMs, on]);
  return now;
}
