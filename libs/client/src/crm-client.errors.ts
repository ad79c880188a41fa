import type { BatchEventResult } from './publish-results';
import { isRetriableStatus } from './retry-policy';

/** An RFC 9457 problem document, as the API answers every error (application/problem+json). */
export interface ProblemDocument {
  /** `https://crm-platform.dev/problems/<slug>`, or about:blank for a plain HTTP status. */
  type: string;
  title: string;
  status: number;
  detail?: string;
  [extension: string]: unknown;
}

/** One violated field of a 400: a dotted path (`data.amount`, `events[3].type`, '' for the body) and what is wrong with it. */
export interface Violation {
  path: string;
  messages: string[];
}

/** Where in a publishBatch call an error happened, and what the earlier chunks settled. */
export interface BatchErrorContext {
  /** Index (in the caller's list) of the first event of the chunk the error answered. */
  offset: number;
  /** Events of the chunk. */
  size: number;
  /** The results of the events before `offset` (stored, duplicates, …): they are not undone. */
  settled: BatchEventResult[];
}

export interface CrmClientErrorInit {
  /** The HTTP status; undefined when no response came. */
  status?: number;
  /** The parsed problem+json body, as the API sent it. */
  problem?: ProblemDocument;
  /** The start of a body that was not a problem document (a proxy's error page). */
  body?: string;
  retriable: boolean;
  /** Attempts made, retries included. */
  attempts: number;
  /** What went wrong without the request and the attempts (the message says those too). @defaultValue the message */
  reason?: string;
  cause?: unknown;
}

/**
 * Every error of the client. `retriable` says whether sending the same request again later can
 * succeed (the client already retried it, up to maxRetries, when it could): true for 429, 5xx
 * and network errors, false for the request's own faults (400, 401, 403, 404, 409, 413, 415).
 */
export class CrmClientError extends Error {
  readonly status: number | undefined;
  readonly problem: ProblemDocument | undefined;
  readonly body: string | undefined;
  readonly retriable: boolean;
  readonly attempts: number;
  /** What went wrong, without the request and the attempts: the fields violated, the problem's detail, `network error: …`. */
  readonly reason: string;
  /** Set when publishBatch threw it: the chunk it answered and what was settled before. */
  batch: BatchErrorContext | undefined;

  constructor(message: string, init: CrmClientErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.problem = init.problem;
    this.body = init.body;
    this.retriable = init.retriable;
    this.attempts = init.attempts;
    this.reason = init.reason ?? message;
  }
}

/** 400: the request is not valid; nothing was stored (a batch is validated all-or-nothing). */
export class CrmValidationError extends CrmClientError {
  /**
   * The violated fields, the first 100 the API lists; in a publishBatch error the paths count
   * from the start of the caller's list (`events[1203].data.amount`), while `problem` keeps the
   * chunk's own indexes.
   */
  readonly violations: Violation[];
  /** How many fields are violated in all (`violations` may list only the first). */
  readonly violationCount: number;
  readonly truncated: boolean;

  constructor(message: string, init: CrmClientErrorInit & { violations: Violation[]; violationCount: number; truncated: boolean }) {
    super(message, init);
    this.violations = init.violations;
    this.violationCount = init.violationCount;
    this.truncated = init.truncated;
  }
}

/** 401: no key, or one the platform does not know (revoked, mistyped, another installation's). */
export class CrmAuthenticationError extends CrmClientError {
  /** The WWW-Authenticate challenge (`error="invalid_token"` for an unknown key). */
  readonly challenge: string | undefined;

  constructor(message: string, init: CrmClientErrorInit & { challenge?: string }) {
    super(message, init);
    this.challenge = init.challenge;
  }
}

/** 403: the key lacks the scope of the route (publishing needs `publish`). */
export class CrmForbiddenError extends CrmClientError {
  readonly requiredScopes: string[];
  readonly keyScopes: string[];

  constructor(message: string, init: CrmClientErrorInit & { requiredScopes: string[]; keyScopes: string[] }) {
    super(message, init);
    this.requiredScopes = init.requiredScopes;
    this.keyScopes = init.keyScopes;
  }
}

/**
 * The 409s of the ingest API, by the problem's type:
 * - `event-id-conflict`: the eventId is already used by another event (of another customer);
 * - `concurrency-conflict`: `expectedRevision` did not match (`currentRevision` given): read
 *   the stream again and decide; sending the same request again cannot succeed;
 * - `customer-merged`: a CustomersMerged the merge registry refuses (nothing stored);
 * - `conflict`: a 409 of another type.
 * Never retried by the client.
 */
export type ConflictKind = 'event-id-conflict' | 'concurrency-conflict' | 'customer-merged' | 'conflict';

export class CrmConflictError extends CrmClientError {
  readonly conflict: ConflictKind;
  /** The problem's type URI. */
  readonly problemType: string | undefined;
  /** concurrency-conflict: the stream's revision when the request arrived (undefined: no stream). */
  readonly currentRevision: number | undefined;

  constructor(message: string, init: CrmClientErrorInit & { conflict: ConflictKind; currentRevision?: number }) {
    super(message, init);
    this.conflict = init.conflict;
    this.problemType = init.problem?.type;
    this.currentRevision = init.currentRevision;
  }
}

/** 413: the body is over BODY_LIMIT, or a batch has more events than BATCH_MAX_EVENTS (`maxEvents`: lower batchSize). */
export class CrmPayloadTooLargeError extends CrmClientError {
  readonly maxEvents: number | undefined;

  constructor(message: string, init: CrmClientErrorInit & { maxEvents?: number }) {
    super(message, init);
    this.maxEvents = init.maxEvents;
  }
}

/** 429 after the retries: the key's rate limit (its own `rate=` or RATE_LIMIT). */
export class CrmRateLimitedError extends CrmClientError {
  /** Seconds until the key's window turns over (Retry-After), when the API said. */
  readonly retryAfterSec: number | undefined;

  constructor(message: string, init: CrmClientErrorInit & { retryAfterSec?: number }) {
    super(message, init);
    this.retryAfterSec = init.retryAfterSec;
  }
}

/** 5xx after the retries (500, 502, 503, 504), or at once for one that a retry cannot help (501, 505). */
export class CrmServerError extends CrmClientError {}

/** No response after the retries: connection refused or reset, DNS, or the per-attempt timeout (`timedOut`). */
export class CrmNetworkError extends CrmClientError {
  readonly timedOut: boolean;

  constructor(message: string, init: CrmClientErrorInit & { timedOut: boolean }) {
    super(message, init);
    this.timedOut = init.timedOut;
  }
}

/** The caller's `signal` aborted the call; what was in flight may or may not have been stored (publish it again: it is idempotent). */
export class CrmAbortedError extends CrmClientError {}

/** How many violated fields a message names before "and n more". */
const PATHS_IN_MESSAGE = 10;

/** `data.amount (amount must not be less than 0), occurredAt (…) and 3 more`: what an error message says of a 400. */
export function describeViolations(violations: readonly Violation[], count: number): string {
  const named = violations.slice(0, PATHS_IN_MESSAGE).map((v) => `${v.path || '(body)'}${v.messages.length > 0 ? ` (${v.messages.join('; ')})` : ''}`);
  const more = count - named.length;
  return `${count} field${count === 1 ? '' : 's'} violated: ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : []);

/** The body as a problem document, when it is one (a proxy may answer HTML, or nothing). */
export function parseProblem(text: string): ProblemDocument | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    if (isRecord(value) && typeof value.title === 'string' && typeof value.status === 'number') {
      return { ...value, type: typeof value.type === 'string' ? value.type : 'about:blank' } as ProblemDocument;
    }
  } catch {
    // not JSON: described by its first characters
  }
  return undefined;
}

/**
 * `events[3]` -> `events[1003]`: a batch request's indexes as the caller counts them
 * (`indexes[j]` is the caller's index of the request's event j: a later chunk, or the failed
 * customers sent again).
 */
export const renumberEvents = (text: string, indexes: readonly number[] | undefined): string =>
  indexes === undefined ? text : text.replace(/\bevents\[(\d+)\]/g, (match, j: string) => (indexes[Number(j)] === undefined ? match : `events[${indexes[Number(j)]}]`));

export interface ErrorResponse {
  /** `POST /v1/events`, for the message. */
  request: string;
  status: number;
  text: string;
  headers: { get(name: string): string | null };
  attempts: number;
  /** A batch request: the caller's index of each of its events. */
  indexes?: readonly number[];
  /** 429: the wait the API asked for, in seconds. */
  retryAfterSec?: number;
}

/** The typed error of an HTTP answer that is not a success. */
export function errorFromResponse({ request, status, text, headers, attempts, indexes, retryAfterSec }: ErrorResponse): CrmClientError {
  const problem = parseProblem(text);
  const body = problem === undefined && text.length > 0 ? text.slice(0, 500) : undefined;
  const detail = renumberEvents(problem?.detail ?? problem?.title ?? body ?? '(no body)', indexes);
  const tried = attempts > 1 ? ` after ${attempts} attempts` : '';
  const base = { status, problem, body, attempts };
  const says = (what: string) => `${request} answered ${status}${tried}: ${what}`;

  switch (status) {
    case 400: {
      const violations = (Array.isArray(problem?.violations) ? problem.violations : [])
        .filter(isRecord)
        .map((v) => ({ path: renumberEvents(typeof v.path === 'string' ? v.path : '', indexes), messages: strings(v.messages) }));
      const violationCount = typeof problem?.violationCount === 'number' ? problem.violationCount : violations.length;
      const what = violations.length > 0 ? describeViolations(violations, violationCount) : detail;
      return new CrmValidationError(says(what), { ...base, reason: what, retriable: false, violations, violationCount, truncated: problem?.truncated === true });
    }
    case 401:
      return new CrmAuthenticationError(says(detail), { ...base, reason: detail, retriable: false, challenge: headers.get('www-authenticate') ?? undefined });
    case 403:
      return new CrmForbiddenError(says(detail), { ...base, reason: detail, retriable: false, requiredScopes: strings(problem?.requiredScopes), keyScopes: strings(problem?.keyScopes) });
    case 409: {
      const slug = problem?.type.split('/').pop();
      const conflict: ConflictKind = slug === 'event-id-conflict' || slug === 'concurrency-conflict' || slug === 'customer-merged' ? slug : 'conflict';
      const currentRevision = typeof problem?.currentRevision === 'number' ? problem.currentRevision : undefined;
      return new CrmConflictError(says(`${conflict}: ${detail}`), { ...base, reason: `${conflict}: ${detail}`, retriable: false, conflict, currentRevision });
    }
    case 413:
      return new CrmPayloadTooLargeError(says(detail), { ...base, reason: detail, retriable: false, maxEvents: typeof problem?.maxEvents === 'number' ? problem.maxEvents : undefined });
    case 429: {
      const seconds = retryAfterSec ?? (typeof problem?.retryAfterSec === 'number' ? problem.retryAfterSec : undefined);
      return new CrmRateLimitedError(says(detail), { ...base, reason: detail, retriable: true, retryAfterSec: seconds });
    }
    default:
      if (status >= 500) return new CrmServerError(says(detail), { ...base, reason: detail, retriable: isRetriableStatus(status) });
      return new CrmClientError(says(detail), { ...base, reason: detail, retriable: isRetriableStatus(status) });
  }
}
