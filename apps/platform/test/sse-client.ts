import { waitFor } from '@crm/testing';

/** One dispatched server-sent event. */
export interface SseEvent {
  type: string;
  id: string | undefined;
  data: string;
}

export interface SseStream {
  status: number;
  contentType: string | null;
  events: SseEvent[];
  comments: string[];
  /** Settles when the server ended the stream (true) or the connection failed (false). */
  ended: Promise<boolean>;
  /** Waits until `count` events of `type` (default relationship-change) arrived, and returns them. */
  waitForEvents(count: number, options?: { type?: string; timeoutMs?: number; where?: (e: SseEvent) => boolean }): Promise<SseEvent[]>;
  close(): void;
}

/**
 * A minimal EventSource for tests (the HTML spec's parsing of text/event-stream): resolves
 * once the response headers are in, then collects events and comment lines as they come.
 */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const ended = (async () => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let pending = '';
    let event: { type?: string; id?: string; data: string[] } = { data: [] };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return true;
        pending += decoder.decode(value, { stream: true });
        let newline: number;
        while ((newline = pending.search(/\r\n|\r|\n/)) >= 0) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + (pending.startsWith('\r\n', newline) ? 2 : 1));
          if (line === '') {
            if (event.data.length > 0 || event.type !== undefined || event.id !== undefined) events.push({ type: event.type ?? 'message', id: event.id, data: event.data.join('\n') });
            event = { data: [] };
          } else if (line.startsWith(':')) comments.push(line.slice(1).trim());
          else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const raw = colon < 0 ? '' : line.slice(colon + 1);
            const text = raw.startsWith(' ') ? raw.slice(1) : raw;
            if (field === 'data') event.data.push(text);
            else if (field === 'event') event.type = text;
            else if (field === 'id') event.id = text;
          }
        }
      }
    } catch {
      return false;
    }
  })();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    events,
    comments,
    ended,
    waitForEvents: (count, options = {}) =>
      waitFor(
        () => {
          const matching = events.filter((e) => e.type === (options.type ?? 'relationship-change') && (options.where?.(e) ?? true));
          return matching.length >= count ? matching : undefined;
        },
        { timeoutMs: options.timeoutMs ?? 5000, message: `${count} ${options.type ?? 'relationship-change'} event(s) on ${url} (have ${JSON.stringify(events)})` },
      ),
    close: () => controller.abort(),
  };
}
