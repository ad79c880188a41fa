import { HttpException } from '@nestjs/common';
import type { Violation } from '@crm/contracts/edge';

/** An RFC 9457 problem document. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  violations?: Violation[];
  /** With `violations`: how many there are in all; `truncated` when only the first are listed. */
  violationCount?: number;
  truncated?: boolean;
  [extension: string]: unknown;
}

const PROBLEM_BASE = 'https://crm-platform.dev/problems/';

/** An HTTP error that renders as application/problem+json. */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    slug: string,
    title: string,
    detail?: string,
    extensions: Record<string, unknown> = {},
  ) {
    super({ type: `${PROBLEM_BASE}${slug}`, title, status, ...(detail ? { detail } : {}), ...extensions } satisfies ProblemDocument, status);
  }

  get problem(): ProblemDocument {
    return this.getResponse() as ProblemDocument;
  }
}

/** A validation problem names at most this many violations; `violationCount` counts them all. */
export const MAX_LISTED_VIOLATIONS = 100;
const PATHS_IN_DETAIL = 10;

/**
 * 400 naming the violated fields: `violations` lists the first MAX_LISTED_VIOLATIONS,
 * `violationCount` counts all of them and `truncated` says whether some were left out (a batch
 * of 1,000 empty events has 6,000; listing them all would make a half-megabyte answer).
 */
export const validationProblem = (violations: Violation[], extensions: Record<string, unknown> = {}) => {
  const count = violations.length;
  const listed = violations.slice(0, MAX_LISTED_VIOLATIONS);
  const named = listed.slice(0, PATHS_IN_DETAIL).map((v) => v.path || '(body)').join(', ');
  const more = count > PATHS_IN_DETAIL ? ` and ${count - PATHS_IN_DETAIL} more` : '';
  return new ProblemException(400, 'validation', 'The request is not valid', `${count} field${count === 1 ? '' : 's'} violated: ${named}${more}`, {
    violations: listed,
    violationCount: count,
    truncated: count > listed.length,
    ...extensions,
  });
};

export const notFoundProblem = (what: string) => new ProblemException(404, 'not-found', 'Not found', what);
