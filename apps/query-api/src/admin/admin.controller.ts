import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DeadLetterListResponse, RedriveResponse, WhatIfDimensionResponse, WhatIfJobResponse } from './admin.response';
import { PolicyValidationError, parsePolicy } from '@crm/domain';
import { EventStore } from '@crm/event-store';
import { ApiProblemResponse, ProblemException, notFoundProblem, validationProblem } from '@crm/infrastructure';
import { CustomerProjection, RelationshipProjection, listDeadLetters, redriveDeadLetters } from '@crm/projection';
import { ReadStore } from '@crm/read-store';
import { asOfInstant } from '../http/as-of.request.dto';
import { WhatIfJobs } from './what-if.jobs';
import { RedriveRequestDto, WhatIfRequestDto } from './what-if.request.dto';

/**
 * Replay as a tool, over HTTP (the CLIs npm run what-if and npm run dead-letters do the same):
 * what-if runs of a candidate policy, as jobs (a population takes a while), and the dead letters
 * with their redrive.
 */
@ApiTags('admin')
@ApiExtraModels(WhatIfDimensionResponse)
@ApiProblemResponse(400, 'The request is not valid: each violated field named')
@Controller('v1/admin')
export class AdminController {
  private readonly projection: RelationshipProjection;

  constructor(
    private readonly jobs: WhatIfJobs,
    @Inject(ReadStore) private readonly readStore: ReadStore,
    @Inject(EventStore) private readonly eventStore: EventStore,
    @Inject(CustomerProjection) projection: CustomerProjection,
  ) {
    if (!(projection instanceof RelationshipProjection)) throw new Error('the admin routes need the relationship projection');
    this.projection = projection;
  }

  @Post('what-if')
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a what-if run of a candidate policy beside the live views (reads only); poll its Location' })
  @ApiAcceptedResponse({ type: WhatIfJobResponse, description: 'The job: id, status, progress' })
  @ApiProblemResponse(409, 'A what-if run is in progress already')
  start(@Body() body: WhatIfRequestDto) {
    let candidate: RelationshipProjection;
    try {
      candidate = new RelationshipProjection(parsePolicy(body.policy));
    } catch (error) {
      if (error instanceof PolicyValidationError) throw validationProblem(error.issues.map((i) => ({ path: `policy.${i.key}`, messages: [i.message] })));
      throw error;
    }
    const running = this.jobs.running();
    if (running) throw new ProblemException(409, 'what-if-running', 'A what-if run is in progress', `job ${running.id} started at ${running.startedAt}`, { job: running.id });
    return this.jobs.start({ current: this.projection, candidate, asOf: asOfInstant(body.asOf), samplesPerCell: body.samples ?? 5 });
  }

  @Get('what-if/:id')
  @ApiOperation({ summary: 'A what-if job: running (with progress), done (with the report) or failed (with the error)' })
  @ApiOkResponse({ type: WhatIfJobResponse })
  @ApiProblemResponse(404, 'No such job (jobs live in the process that ran them, until it restarts)')
  job(@Param('id') id: string) {
    const job = this.jobs.get(id);
    if (!job) throw notFoundProblem(`No what-if job ${id}`);
    return job;
  }

  @Get('dead-letters')
  @ApiOperation({ summary: 'The events the projection could not fold, pending (default) or all' })
  @ApiQuery({ name: 'status', required: false, enum: ['pending', 'all'] })
  @ApiOkResponse({ type: DeadLetterListResponse })
  async deadLetters(@Query('status') status?: string) {
    if (status !== undefined && status !== 'pending' && status !== 'all') throw validationProblem([{ path: 'status', messages: ['status must be one of: pending, all'] }]);
    const letters = await listDeadLetters(this.readStore);
    return { items: status === 'all' ? letters : letters.filter((l) => l.status === 'pending') };
  }

  @Post('dead-letters/redrive')
  @HttpCode(200)
  @ApiOperation({ summary: 'Fold the pending dead letters in again with the current projection (all, or the event ids given)' })
  @ApiOkResponse({ type: RedriveResponse })
  async redrive(@Body() body: RedriveRequestDto) {
    const ids = body.eventIds;
    return redriveDeadLetters(this.readStore, this.eventStore, this.projection, ids === undefined ? {} : { eventIds: ids });
  }
}
