import { sampleEvent, type InteractionEvent } from '@crm/contracts';

/** One request the fake received. */
export interface FakeRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
  /** The events of a batch body, or the one event of a single publish. */
  events: InteractionEvent[];
}

/** What a script may answer instead of the fake store: a Response, an Error to throw (a network failure), or undefined (the store answers). */
export type Scripted = Response | Error | undefined;

/**
 * A stand-in for the ingest API's two publish routes: stores eventIds idempotently with a
 * revision per customer and a global position, answers 202/200 like the API (202 with
 * `status: stored`, 200 for a duplicate), and records every request. `script(n, request)`
 * answers the n-th request (0-based) instead, when it returns something.
 */
export function fakeIngest(script: (n: number, request: FakeRequest) => Scripted = () => undefined) {
  const requests: FakeRequest[] = [];
  const stored = new Map<string, { streamId: string; streamRevision: number; position: number }>();
  const revisions = new Map<string, number>();
  /** Every stored event in storage order. */
  const applied: InteractionEvent[] = [];
  let position = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const store = (event: InteractionEvent, index: number) => {
    const streamId = `customer-${event.customerId}`;
    const known = stored.get(event.eventId);
    if (known !== undefined) return { index, eventId: event.eventId, ...known, status: 'duplicate' as const };
    const streamRevision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, streamRevision);
    const where = { streamId, streamRevision, position: ++position };
    stored.set(event.eventId, where);
    applied.push(event);
    return { index, eventId: event.eventId, ...where, status: 'stored' as const };
  };

  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as unknown;
    const batch = String(input).includes('/v1/events/batch');
    const request: FakeRequest = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers: { ...(init?.headers as Record<string, string>) },
      body,
      events: batch ? (body as { events: InteractionEvent[] }).events : [body as InteractionEvent],
    };
    const n = requests.push(request) - 1;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await Promise.resolve();
      const scripted = script(n, request);
      if (scripted instanceof Error) throw scripted;
      if (scripted !== undefined) return scripted;
      const results = request.events.map(store);
      if (!batch) return json(results[0].status === 'stored' ? 202 : 200, results[0]);
      const storedNow = results.filter((r) => r.status === 'stored').length;
      return json(storedNow > 0 ? 202 : 200, { stored: storedNow, duplicates: results.length - storedNow, conflicts: 0, failed: 0, results });
    } finally {
      inFlight--;
    }
  }) as typeof fetch;

  return { fetch: fetchFn, requests, applied, stored, maxInFlight: () => maxInFlight };
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

export const problem = (status: number, slug: string, title: string, extensions: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ type: `https://crm-platform.dev/problems/${slug}`, title, status, ...extensions }), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });

/** A sleep that only records how long it was asked to wait. */
export const recordingSleep = () => {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
};

let counter = 0;

/** A valid contact of `customerId` with a fresh, unique eventId. */
export function contactOf(customerId: string): InteractionEvent {
  counter++;
  const hex = counter.toString(16).padStart(12, '0');
  return sampleEvent('ContactLogged', { eventId: `00000000-0000-4000-8000-${hex}`, customerId });
}
