/**
 * The ring tone of an incoming call, made by the browser (no sound file): 440 and 480 Hz together,
 * two seconds on and four off, as North American phones ring. Browsers may refuse to play before
 * the user has touched the page; the incoming-call screen shows the call all the same.
 */

const RING_ON_S = 2;
const RING_PERIOD_S = 6;
/** Rings scheduled ahead (a call rings at most a minute: src/call/call-machine.ts CALL_RING_MS). */
const RINGS_AHEAD = 12;

/** Starts ringing; the returned function stops it. */
export function startRingTone(): () => void {
  let context: AudioContext;
  try {
    context = new AudioContext();
  } catch {
    return () => {};
  }
  const gain = context.createGain();
  gain.gain.value = 0;
  gain.connect(context.destination);
  for (const hz of [440, 480]) {
    const osc = context.createOscillator();
    osc.frequency.value = hz;
    osc.connect(gain);
    osc.start();
  }
  const t0 = context.currentTime + 0.05;
  for (let i = 0; i < RINGS_AHEAD; i++) {
    const on = t0 + i * RING_PERIOD_S;
    gain.gain.setValueAtTime(0.08, on);
    gain.gain.setValueAtTime(0, on + RING_ON_S);
  }
  void context.resume().catch(() => {});
  return () => void context.close();
}
