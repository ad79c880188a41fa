import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { EventIdConflictError, EventStoreError, WrongExpectedRevisionError } from '@crm/event-store';
import { ProblemDocument, ProblemException } from './problem';

/**
 * Maps every error to application/problem+json: our ProblemExceptions as they are, Nest's
 * HttpExceptions by status, body-parser failures (413, malformed JSON), typed store errors
 * (409, 503 when a retry can help), anything else to a 500 that leaks nothing.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const problem = this.toProblem(error);
    if (problem.status >= 500) this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    if (problem.status === 503) response.setHeader('Retry-After', '1');
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  private toProblem(error: unknown): ProblemDocument {
    if (error instanceof ProblemException) return error.problem;
    const bodyParser = error as { type?: string; status?: number; limit?: number; length?: number };
    switch (bodyParser?.type) {
      case 'entity.too.large':
        return new ProblemException(413, 'payload-too-large', 'Payload too large', `The body is ${bodyParser.length} bytes; the limit is ${bodyParser.limit} bytes.`).problem;
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return new ProblemException(415, 'unsupported-media-type', 'Unsupported media type', (error as Error).message).problem;
      default:
        break;
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
      return new ProblemException(409, 'event-id-conflict', 'Event id already used', error.message, { eventId: error.eventId, retriable: false }).problem;
    }
    if (error instanceof EventStoreError && error.retriable) {
      return new ProblemException(503, 'store-unavailable', 'Event store unavailable', 'Retry with the same eventId; nothing is stored twice.', { retriable: true }).problem;
    }
    if (error instanceof HttpException) {
      // Nest turns body-parser's SyntaxError into a BadRequestException carrying only the message.
      const message = error.getResponse() as { message?: unknown };
      if (error.getStatus() === 400 && typeof message?.message === 'string' && /JSON/.test(message.message)) {
        return new ProblemException(400, 'malformed-json', 'Malformed JSON', 'The body is not valid JSON.', { violations: [{ path: '', messages: ['body is not valid JSON'] }] }).problem;
      }
      const status = error.getStatus();
      const body = error.getResponse();
      const detail = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? error.message);
      return { type: 'about:blank', title: error.name.replace(/Exception$/, '').replace(/([a-z])([A-Z])/g, '$1 $2'), status, detail: Array.isArray(detail) ? detail.join('; ') : String(detail) };
    }
    return { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'An unexpected error occurred; it has been logged.' };
  }
}
