/* global sessionStorage */
// The dashboard's access to the HTTP API: the key, authorised GETs, the change stream read with
// fetch (EventSource cannot send Authorization), and a throttle for re-fetching on bursts.
// No DOM here: dashboard.js draws.

const KEY_ITEM = 'crm-dashboard-api-key';

/** The API key of this tab (sessionStorage: gone when the tab closes, never sent anywhere but our own API). */
export const apiKey = {
  get: () => sessionStorage.getItem(KEY_ITEM),
  set: (key) => sessionStorage.setItem(KEY_ITEM, key),
  forget: () => sessionStorage.removeItem(KEY_ITEM),
};

/** An answer that is not a 2xx: the status and the problem document when the API sent one. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }

  /** 401 (no or unknown key) or 403 (the key lacks the scope): asking again will not help. */
  get refused() {
    return this.status === 401 || this.status === 403;
  }
}

const authorised = (headers = {}) => ({ ...headers, Authorization: `Bearer ${apiKey.get() ?? ''}` });

/** GET a JSON resource of the API (same origin) with the key; an ApiError for anything but 2xx. */
export async function getJson(path, { signal } = {}) {
  const response = await fetch(path, { headers: authorised({ Accept: 'application/json' }), signal, cache: 'no-store' });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/**
 * An incremental text/event-stream parser (the HTML standard's rules): feed it chunks as they
 * arrive, split anywhere, and it calls `onEvent({ type, id, data })` at each blank line and
 * `onComment(text)` for lines starting with ':'. `lastEventId` keeps the last id seen, as an
 * EventSource does, for the reconnect.
 */
export function eventStreamParser({ onEvent, onComment = () => {} }) {
  let pending = '';
  let data = [];
  let type = '';
  const state = { lastEventId: '' };
  const line = (text) => {
    if (text === '') {
      if (data.length > 0) onEvent({ type: type || 'message', id: state.lastEventId, data: data.join('\n') });
      data = [];
      type = '';
      return;
    }
    if (text.startsWith(':')) return onComment(text.slice(1).trimStart());
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') type = value;
    else if (field === 'id' && !value.includes('\0')) state.lastEventId = value;
  };
  return {
    get lastEventId() {
      return state.lastEventId;
    },
    set lastEventId(id) {
      state.lastEventId = id;
    },
    push(chunk) {
      pending += chunk;
      for (;;) {
        const end = pending.search(/\r\n|\r|\n/);
        if (end < 0) return;
        // A chunk ending in CR may be the first half of CRLF: wait for the next chunk.
        if (pending[end] === '\r' && end === pending.length - 1) return;
        const width = pending.startsWith('\r\n', end) ? 2 : 1;
        const text = pending.slice(0, end);
        pending = pending.slice(end + width);
        line(text);
      }
    },
  };
}

/**
 * Follows GET /v1/changes: `onChange(change, id)` for each relationship-change, `onReset(info)`
 * when the server no longer holds the id we resumed from (re-read everything), `onState(state,
 * detail)` with 'connecting' | 'open' | 'retrying' | 'refused'. Reconnects after a dropped
 * stream with Last-Event-ID (1 s, doubling to 30 s); a refused key stops it. `stop()` ends it.
 */
export function followChanges({ onChange, onReset, onState }) {
  const controller = new AbortController();
  let delayMs = 1000;
  let lastEventId = '';
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  const once = async () => {
    onState('connecting');
    const headers = authorised({ Accept: 'text/event-stream' });
    if (lastEventId) headers['Last-Event-ID'] = lastEventId;
    const response = await fetch('/v1/changes', { headers, signal: controller.signal, cache: 'no-store' });
    if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
    onState('open');
    delayMs = 1000;
    const parser = eventStreamParser({
      onEvent: (event) => {
        // Every event's id, a reset's too: it names the newest change the server holds, so the next reconnect resumes there.
        lastEventId = event.id;
        if (event.type === 'relationship-change') onChange(JSON.parse(event.data), event.id);
        else if (event.type === 'reset') onReset(JSON.parse(event.data));
      },
      onComment: () => onState('open'),
    });
    parser.lastEventId = lastEventId;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.push(value);
    }
  };

  (async () => {
    while (!controller.signal.aborted) {
      try {
        await once();
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error instanceof ApiError && error.refused) return onState('refused', error);
      }
      if (controller.signal.aborted) return;
      onState('retrying', delayMs);
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, 30_000);
    }
  })();

  return {
    stop: () => controller.abort(),
    get lastEventId() {
      return lastEventId;
    },
  };
}

/**
 * `fn` run at most once every `ms`, however often `schedule()` is called: calls inside the window
 * are folded into one run at its end, and a call during a run into one run after it.
 */
export function throttle(fn, ms) {
  let last = -Infinity;
  let timer = null;
  let running = false;
  let again = false;
  const run = async () => {
    timer = null;
    running = true;
    last = Date.now();
    try {
      await fn();
    } catch {
      // fn reports its own failures; the next change schedules it again.
    } finally {
      running = false;
    }
    if (again) {
      again = false;
      schedule();
    }
  };
  const schedule = () => {
    if (running) again = true;
    else if (timer === null) timer = setTimeout(run, Math.max(0, last + ms - Date.now()));
  };
  return schedule;
}
