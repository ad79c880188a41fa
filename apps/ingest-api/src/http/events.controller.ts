import { Body, Controller, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { APP_CONFIG, AppConfig } from '@crm/config';
import { EVENT_TYPES } from '@crm/contracts';
import { validateInteractionEvent, validateInteractionEventBatch } from '@crm/contracts/edge';
import type { ExpectedRevision } from '@crm/event-store';
import { ProblemException, validationProblem } from '@crm/infrastructure';
import { RecordInteractionsCommand, RecordOutcome } from '../commands/record-interactions.command';


const EXAMPLE_EVENT = {
  eventId: '5f0c2a52-8d6e-4c47-9a43-1b7c1b1f9e20',
  type: 'PurchaseMade',
  customerId: 'C-102938',
  occurredAt: '2026-03-14T10:22:05+01:00',
  source: 'pos-eu-1',
  data: { orderId: 'O-7781', amount: 4599, currency: 'EUR', productCategory: 'books', productId: 'B-12', quantity: 1 },
};

@ApiTags('ingest')
@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Publish one interaction event', description: 'The JSON Schema of every type is at GET /v1/schemas.' })
  @ApiBody({ schema: { type: 'object', description: 'An interaction event envelope (see /v1/schemas)', example: EXAMPLE_EVENT } })
  @ApiQuery({ name: 'expectedRevision', required: false, description: "Optional guard: the customer stream's current revision, or no_stream" })
  @ApiResponse({ status: 202, description: 'Stored: stream revision and global position' })
  @ApiResponse({ status: 200, description: 'A retry of a stored eventId: the original position, nothing stored again' })
  @ApiResponse({ status: 400, description: 'Invalid: application/problem+json naming every violated field' })
  @ApiResponse({ status: 409, description: 'expectedRevision did not match, or the eventId belongs to another customer' })
  @ApiResponse({ status: 413, description: 'Body over the size limit' })
  async publish(
    @Req() request: Request,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
    @Query('expectedRevision') expectedRevisionParam?: string,
  ): Promise<RecordOutcome> {
    requireJson(request);
    const expectedRevision = parseExpectedRevision(expectedRevisionParam);
    const result = validateInteractionEvent(body);
    if (!result.ok) {
      throw validationProblem(result.violations, result.unknownType !== undefined ? { supportedTypes: [...EVENT_TYPES] } : {});
    }
    const [outcome] = await this.commandBus.execute(new RecordInteractionsCommand([result.event], expectedRevision));
    if (outcome.status === 'duplicate') response.status(200);
    return outcome;
  }

  @Post('batch')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Publish up to BATCH_MAX_EVENTS events',
    description:
      'Validation is all-or-nothing: one invalid event rejects the batch with 400 and nothing is stored. ' +
      "Storage is atomic per customer: each customer's events of the batch are appended together; the response says per event what happened.",
  })
  @ApiBody({ schema: { type: 'object', properties: { events: { type: 'array', items: { type: 'object' } } }, required: ['events'] } })
  @ApiResponse({ status: 202, description: 'Every event stored or a duplicate; at least one stored' })
  @ApiResponse({ status: 200, description: 'Every event was already stored (a retried batch)' })
  @ApiResponse({ status: 207, description: 'Some customers stored, some not: see each result' })
  @ApiResponse({ status: 400, description: 'Invalid: nothing stored; every violated field named as events[i].path' })
  @ApiResponse({ status: 413, description: 'More events than BATCH_MAX_EVENTS, or body over the size limit' })
  async publishBatch(@Req() request: Request, @Body() body: unknown, @Res({ passthrough: true }) response: Response) {
    requireJson(request);
    const result = validateInteractionEventBatch(body, this.config.BATCH_MAX_EVENTS);
    if (!result.ok) {
      if (result.tooMany) {
        throw new ProblemException(
          413,
          'batch-too-large',
          'Batch too large',
          `The batch has ${result.tooMany.count} events; at most ${result.tooMany.max} are accepted per request.`,
          { maxEvents: result.tooMany.max },
        );
      }
      throw validationProblem(result.violations, result.unknownType !== undefined ? { supportedTypes: [...EVENT_TYPES] } : {});
    }
    const results = await this.commandBus.execute(new RecordInteractionsCommand(result.events));
    const count = (status: RecordOutcome['status']) => results.filter((r) => r.status === status).length;
    const summary = { stored: count('stored'), duplicates: count('duplicate'), conflicts: count('conflict'), failed: count('failed') };
    if (summary.conflicts + summary.failed > 0) response.status(207);
    else if (summary.stored === 0) response.status(200);
    return { ...summary, results };
  }
}

function requireJson(request: Request): void {
  if (!request.is(['application/json', 'application/*+json'])) {
    throw new ProblemException(415, 'unsupported-media-type', 'Unsupported media type', 'Send the event as JSON with Content-Type: application/json.');
  }
}

function parseExpectedRevision(value: string | undefined): ExpectedRevision {
  if (value === undefined || value === '' || value === 'any') return 'any';
  if (value === 'no_stream' || value === 'stream_exists') return value;
  if (/^\d+$/.test(value)) return Number(value);
  throw validationProblem([{ path: 'query.expectedRevision', messages: ['expectedRevision must be a revision number, any, no_stream or stream_exists'] }]);
}
