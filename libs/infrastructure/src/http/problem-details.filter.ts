import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { EventIdConflictError, EventStoreError, WrongExpectedRevisionError, eventIdConflictDetail } from '@crm/event-store';
import { ProblemDocument, ProblemException } from './problem';

/**
 * Maps every error to application/problem+json: our ProblemExceptions as they are (the JSON body
 * parser's among them), Nest's HttpExceptions by status, the body reader's failures (413, 415,
 * a body that does not inflate: 400), typed store errors (409, 503 when a retry can help),
 * anything else to a 500 that leaks nothing.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const problem = this.toProblem(error, host.switchToHttp().getRequest<Request>());
    if (problem.status >= 500) {
      const reqId = response.getHeader('X-Request-Id');
      this.logger.error(`${reqId === undefined ? '' : `request ${String(reqId)}: `}${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    if (problem.status === 503) response.setHeader('Retry-After', '1');
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  private toProblem(error: unknown, request: Request | undefined): ProblemDocument {
    if (error instanceof ProblemException) return error.problem;
    const bodyParser = error as { type?: string; status?: number; expose?: boolean; limit?: number; length?: number };
    switch (bodyParser?.type) {
      case 'entity.too.large':
        return new ProblemException(413, 'payload-too-large', 'Payload too large', `The body is ${bodyParser.length} bytes; the limit is ${bodyParser.limit} bytes.`).problem;
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return new ProblemException(415, 'unsupported-media-type', 'Unsupported media type', (error as Error).message).problem;
      default:
        break;
    }
    if (!(error instanceof HttpException) && bodyParser?.expose === true && typeof bodyParser.status === 'number' && bodyParser.status >= 400 && bodyParser.status < 500) {
      // The body reader's other client errors: a body that does not inflate as its Content-Encoding
      // says (zlib's message), an aborted request, a length that does not match Content-Length.
      const encoding = request?.headers['content-encoding'];
      const code = (error as { code?: unknown }).code;
      const detail = encoding && encoding !== 'identity'
        ? `The body is not valid ${encoding} data, as its Content-Encoding says${typeof code === 'string' ? ` (${code})` : ''}.`
        : `The body could not be read: ${(error as Error).message}.`;
      return new ProblemException(bodyParser.status, 'unreadable-body', 'Unreadable body', detail, { violations: [{ path: '', messages: [detail] }] }).problem;
    }
    if (error instanceof WrongExpectedRevisionError) {
      return new ProblemException(409, 'concurrency-conflict', 'Concurrency conflict', error.message, {
        streamId: error.streamId,
        expectedRevision: error.expected,
        currentRevision: error.actual,
        retriable: true,
      }).problem;
    }
    if (error instanceof EventIdConflictError) {
      // Where the id is stored (another customer's stream) stays in the log: the caller learns only that it is taken.
      this.logger.warn(`409 event-id-conflict: ${error.message}`);
      return new ProblemException(409, 'event-id-conflict', 'Event id already used', eventIdConflictDetail(error.eventId), { eventId: error.eventId, retriable: false }).problem;
    }
    if (error instanceof EventStoreError && error.retriable) {
      return new ProblemException(503, 'store-unavailable', 'Event store unavailable', 'Retry with the same eventId; nothing is stored twice.', { retriable: true }).problem;
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const body = error.getResponse();
      const detail = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? error.message);
      return { type: 'about:blank', title: error.name.replace(/Exception$/, '').replace(/([a-z])([A-Z])/g, '$1 $2'), status, detail: Array.isArray(detail) ? detail.join('; ') : String(detail) };
    }
    return { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'An unexpected error occurred; it has been logged.' };
  }
}
