import { Body, Controller, HttpCode, Inject, Optional, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { APP_CONFIG, AppConfig } from '@crm/config';
import { EVENT_TYPES, isSystemEventType } from '@crm/contracts';
import {
  DEFAULT_MAX_BATCH_EVENTS,
  EVENT_DTO_CLASSES,
  InteractionEventBatchDto,
  interactionEventSchema,
  validateInteractionEvent,
  validateInteractionEventBatch,
} from '@crm/contracts/edge';
import { EventIdConflictError, WrongExpectedRevisionError, type ExpectedRevision } from '@crm/event-store';
import { ApiProblemResponse, JSON_MEDIA_TYPES, Metrics, ProblemException, RequireScope, validationProblem } from '@crm/infrastructure';
import { RecordInteractionsCommand, RecordOutcome } from '../commands/record-interactions.command';
import { CustomerMergeRefusedError } from '../merges/customer-merge-refused.error';
import { BatchResultResponse, StoredEventResponse } from './events.response';

const EXPECTED_REVISION_WORDS = ['any', 'no_stream', 'stream_exists'] as const;

const EXAMPLE_EVENT = {
  eventId: '5f0c2a52-8d6e-4c47-9a43-1b7c1b1f9e20',
  type: 'PurchaseMade',
  customerId: 'C-102938',
  occurredAt: '2026-03-14T10:22:05+01:00',
  source: 'pos-eu-1',
  data: { orderId: 'O-7781', amount: 4599, currency: 'EUR', productCategory: 'books', productId: 'B-12', quantity: 1 },
};

@ApiTags('ingest')
@ApiExtraModels(...EVENT_DTO_CLASSES, InteractionEventBatchDto)
@ApiProblemResponse(413, 'Body over BODY_LIMIT')
@ApiProblemResponse(415, 'Not JSON (Content-Type), a charset other than UTF-8, or an unsupported Content-Encoding')
@RequireScope('publish')
@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(Metrics) private readonly metrics?: Metrics,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Publish one interaction event', description: 'The JSON Schema of every type is at GET /v1/schemas.' })
  @ApiBody({
    description: 'One interaction event; `type` selects the schema of the envelope and its `data`',
    required: true,
    schema: { ...interactionEventSchema(), example: EXAMPLE_EVENT },
  })
  @ApiQuery({
    name: 'expectedRevision',
    required: false,
    description: `Optional guard: the customer stream's current revision (an integer 0 to ${Number.MAX_SAFE_INTEGER}), no_stream, stream_exists or any (the default)`,
    schema: { oneOf: [{ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }, { type: 'string', enum: [...EXPECTED_REVISION_WORDS] }] },
  })
  @ApiAcceptedResponse({ type: StoredEventResponse, description: 'Stored: stream revision and global position' })
  @ApiOkResponse({ type: StoredEventResponse, description: 'A retry of a stored eventId: the original position, nothing stored again' })
  @ApiProblemResponse(400, 'Invalid: every violated field named (an unknown type lists the supported ones)')
  @ApiProblemResponse(
    409,
    'expectedRevision did not match (currentRevision given), the eventId belongs to another customer, or (type customer-merged) a CustomersMerged the registry refuses: mergedCustomerId already merged, the survivor merged into mergedCustomerId (a cycle) or into another customer (currentSurvivorCustomerId given), or the eventId names another merge',
  )
  @ApiProblemResponse(503, 'The event store is unavailable: retry with the same eventId')
  async publish(
    @Req() request: Request,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
    @Query('expectedRevision') expectedRevisionParam?: unknown,
  ): Promise<RecordOutcome> {
    requireJson(request);
    const expectedRevision = parseExpectedRevision(expectedRevisionParam);
    const result = validateInteractionEvent(body);
    if (!result.ok) {
      this.metrics?.eventsRejected.inc({ reason: 'validation' });
      throw validationProblem(result.violations, result.unknownType !== undefined ? { supportedTypes: [...EVENT_TYPES] } : {});
    }
    this.refuseSystemEvents([result.event], () => 'type');
    const [outcome] = await this.execute(new RecordInteractionsCommand([result.event], expectedRevision), false);
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
  @ApiBody({ type: InteractionEventBatchDto, required: true, description: `{ events: [...] }, 1 to BATCH_MAX_EVENTS (${DEFAULT_MAX_BATCH_EVENTS} by default) events` })
  @ApiAcceptedResponse({ type: BatchResultResponse, description: 'Every event stored or a duplicate; at least one stored' })
  @ApiOkResponse({ type: BatchResultResponse, description: 'Every event was already stored (a retried batch)' })
  @ApiResponse({ status: 207, type: BatchResultResponse, description: 'Some customers stored, some not: see each result' })
  @ApiProblemResponse(400, 'Invalid: nothing stored; the violated fields named as events[i].path (the first 100; violationCount counts them all)')
  @ApiProblemResponse(413, 'More events than BATCH_MAX_EVENTS (maxEvents given), or body over BODY_LIMIT')
  @ApiProblemResponse(409, 'customer-merged: a CustomersMerged of the batch the registry refuses (every one listed in conflicts, as events[i]); nothing stored')
  async publishBatch(@Req() request: Request, @Body() body: unknown, @Res({ passthrough: true }) response: Response) {
    requireJson(request);
    const result = validateInteractionEventBatch(body, this.config.BATCH_MAX_EVENTS);
    if (!result.ok) {
      const events = (body as { events?: unknown } | null)?.events;
      this.metrics?.eventsRejected.inc({ reason: result.tooMany ? 'too-large' : 'validation' }, Array.isArray(events) ? Math.max(1, events.length) : 1);
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
    this.refuseSystemEvents(result.events, (i) => `events[${i}].type`);
    const results = await this.execute(new RecordInteractionsCommand(result.events), true);
    const count = (status: RecordOutcome['status']) => results.filter((r) => r.status === status).length;
    const summary = { stored: count('stored'), duplicates: count('duplicate'), conflicts: count('conflict'), failed: count('failed') };
    if (summary.conflicts + summary.failed > 0) response.status(207);
    else if (summary.stored === 0) response.status(200);
    return { ...summary, results };
  }

  private async execute(command: RecordInteractionsCommand, batch: boolean): Promise<RecordOutcome[]> {
    let outcomes: RecordOutcome[];
    try {
      outcomes = await this.commandBus.execute(command);
    } catch (error) {
      const reason = error instanceof CustomerMergeRefusedError ? 'customer-merged' : error instanceof EventIdConflictError || error instanceof WrongExpectedRevisionError ? 'conflict' : 'failed';
      this.metrics?.eventsRejected.inc({ reason }, command.events.length);
      if (error instanceof CustomerMergeRefusedError) throw mergeRefusedProblem(error, batch);
      throw error;
    }
    if (this.metrics) {
      for (const outcome of outcomes) {
        if (outcome.status === 'stored' || outcome.status === 'duplicate') this.metrics.eventsIngested.inc({ type: command.events[outcome.index].type, status: outcome.status });
        else this.metrics.eventsRejected.inc({ reason: outcome.status });
      }
    }
    return outcomes;
  }

  /** A system event (PersonalDataErased) is the platform's to append: 400 naming each, nothing stored. */
  private refuseSystemEvents(events: readonly { type: string }[], pathOf: (index: number) => string): void {
    const violations = events.flatMap((event, index) =>
      isSystemEventType(event.type)
        ? [{ path: pathOf(index), messages: [`${event.type} is appended by the platform (DELETE /v1/customers/{id}/personal-data erases and records it); it cannot be published`] }]
        : [],
    );
    if (violations.length === 0) return;
    this.metrics?.eventsRejected.inc({ reason: 'system-type' }, events.length);
    throw validationProblem(violations);
  }
}

/**
 * 409 customer-merged: the refused merge's ids at the top level (the first, in a batch), every
 * refused merge in `conflicts` with its `events[i]` path in a batch.
 */
function mergeRefusedProblem(error: CustomerMergeRefusedError, batch: boolean): ProblemException {
  const describe = (refusal: CustomerMergeRefusedError['refusals'][number]) => ({
    ...(batch ? { path: `events[${refusal.index}]`, index: refusal.index } : {}),
    eventId: refusal.eventId,
    reason: refusal.reason,
    customerId: refusal.customerId,
    mergedCustomerId: refusal.mergedCustomerId,
    ...(refusal.currentSurvivorCustomerId === undefined ? {} : { currentSurvivorCustomerId: refusal.currentSurvivorCustomerId }),
    detail: refusal.detail,
  });
  const [first] = error.refusals;
  const { detail, ...fields } = describe(first);
  const more = error.refusals.length > 1 ? ` (and ${error.refusals.length - 1} more merge(s) of the batch, see conflicts)` : '';
  return new ProblemException(409, 'customer-merged', 'Customer merge refused', `${batch ? `events[${first.index}]: ` : ''}${detail}${more}. Nothing was stored.`, {
    ...fields,
    conflicts: error.refusals.map(describe),
    retriable: false,
  });
}

function requireJson(request: Request): void {
  if (!request.is(JSON_MEDIA_TYPES)) {
    throw new ProblemException(415, 'unsupported-media-type', 'Unsupported media type', 'Send the event as JSON with Content-Type: application/json.');
  }
}

/** A revision is a non-negative safe integer: a larger one cannot be represented exactly, so it could never match. */
function parseExpectedRevision(value: unknown): ExpectedRevision {
  if (value === undefined || value === '' || value === 'any') return 'any';
  if (value === 'no_stream' || value === 'stream_exists') return value;
  if (typeof value === 'string' && /^\d{1,16}$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  throw validationProblem([
    {
      path: 'expectedRevision',
      messages: [`expectedRevision must be a revision number from 0 to ${Number.MAX_SAFE_INTEGER}, any, no_stream or stream_exists`],
    },
  ]);
}
