// Formatting helpers: times, durations, call quality, presence and end reasons as the UI shows them.
import { ApiError, type Presence } from './api';

/** A clock time today ("14:05"), or a short date with the time before that. */
export function formatWhen(ms: number): string {
  const d = new Date(ms);
  const today = new Date();
  const time = d.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
  if (d.toDateString() === today.toDateString()) return time;
  return `${d.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${time}`;
}

/** m:ss (minutes keep counting past an hour). */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A mean opinion score in words (of the score as shown, to one decimal). */
export function qualityWord(score: number): 'excellent' | 'good' | 'fair' | 'poor' {
  const mos = Math.round(score * 10) / 10;
  if (mos >= 4.4) return 'excellent';
  if (mos >= 4.0) return 'good';
  if (mos >= 3.6) return 'fair';
  return 'poor';
}

export function qualityText(mos: number): string {
  return `Quality: ${qualityWord(mos)} (MOS ${mos.toFixed(1)})`;
}

/** What a contact's presence is called ("offline" also stands for invisible). */
export function presenceText(p: Presence | undefined): string {
  return p ?? 'offline';
}

/** A call's end reason in words ("remote-hung-up" → "remote hung up"). */
export function reasonText(reason: string | null | undefined): string {
  return (reason ?? 'ended').replace(/-/g, ' ');
}

/** What went wrong, in words to show. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return 'something went wrong';
}

/** A search snippet cut into plain and highlighted parts ("[" and "]" around hits). */
export function snippetParts(snippet: string): { text: string; hit: boolean }[] {
  const parts: { text: string; hit: boolean }[] = [];
  const re = /\[([^\]]*)\]/g;
  let at = 0;
  for (let m = re.exec(snippet); m; m = re.exec(snippet)) {
    if (m.index > at) parts.push({ text: snippet.slice(at, m.index), hit: false });
    parts.push({ text: m[1] ?? '', hit: true });
    at = m.index + m[0].length;
  }
  if (at < snippet.length) parts.push({ text: snippet.slice(at), hit: false });
  return parts;
}
