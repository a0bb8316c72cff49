import { Text, type TextProps } from '@mantine/core';
import { useEffect, useState } from 'react';
import { formatDateTime, formatRelative } from '../format';

// One clock for every relative time on the page, so a long list does not run a timer per row.
const listeners = new Set<(now: number) => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: (now: number) => void): () => void {
  listeners.add(listener);
  timer ??= setInterval(() => {
    const now = Date.now();
    for (const l of listeners) l(now);
  }, 30_000);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** "5 minutes ago", kept current, with the exact date and time on hover. */
export function RelativeTime({ iso, ...props }: { iso: string | null | undefined } & TextProps) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => subscribe(setNow), []);
  return (
    <Text component="time" dateTime={iso ?? undefined} title={formatDateTime(iso)} size="sm" {...props}>
      {formatRelative(iso, now)}
    </Text>
  );
}
