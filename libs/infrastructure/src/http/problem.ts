import { HttpException } from '@nestjs/common';
import type { Violation } from '@crm/contracts/edge';

/** An RFC 9457 problem document. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  violations?: Violation[];
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

export const validationProblem = (violations: Violation[], extensions: Record<string, unknown> = {}) =>
  new ProblemException(
    400,
    'validation',
    'The request is not valid',
    `${violations.length} field${violations.length === 1 ? '' : 's'} violated: ${violations.map((v) => v.path || '(body)').join(', ')}`,
    { violations, ...extensions },
  );

export const notFoundProblem = (what: string) => new ProblemException(404, 'not-found', 'Not found', what);
