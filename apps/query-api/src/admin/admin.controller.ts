import { Body, Controller, Delete, Get, Header, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiAcceptedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DeadLetterListResponse, GenerationsResponse, RebuildListResponse, RebuildStatusResponse, RedriveResponse, WhatIfDimensionResponse, WhatIfJobResponse } from './admin.response';
import { PolicyValidationError, parsePolicy } from '@crm/domain';
import { EventStore } from '@crm/event-store';
import { ApiProblemResponse, notFoundProblem, ProblemException, RequireScope, validationProblem } from '@crm/infrastructure';
import { CustomerProjection, RelationshipProjection, listDeadLetters, redriveDeadLetters } from '@crm/projection';
import { ReadStore, ReadStoreGenerations } from '@crm/read-store';
import { asOfInstant } from '../http/as-of.request.dto';
import { WhatIfJobs } from './what-if.jobs';
import { RebuildJobs } from './rebuild.jobs';
import { RebuildRequestDto, RedriveRequestDto, WhatIfRequestDto } from './what-if.request.dto';

/**
 * Replay as a tool, over HTTP (the CLIs npm run what-if and npm run dead-letters do the same):
 * what-if runs of a candidate policy, as jobs (a population takes a while), and the dead letters
 * with their redrive.
 */
@ApiTags('admin')
@ApiExtraModels(WhatIfDimensionResponse)
@ApiProblemResponse(400, 'The request is not valid: each violated field named')
@RequireScope('admin')
@Controller('v1/admin')
export class AdminController {
  private readonly projection: RelationshipProjection;

  constructor(
    private readonly jobs: WhatIfJobs,
    private readonly rebuilds: RebuildJobs,
    @Inject(ReadStoreGenerations) private readonly generations: ReadStoreGenerations,
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
    const candidate = candidateProjection(body.policy);
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

  @Post('rebuilds')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start a blue-green rebuild: the views of the current code (and the given or served policy) built beside the served ones, then switched to; reads never stop',
  })
  @ApiAcceptedResponse({ type: RebuildStatusResponse, description: 'The rebuild: its generation, phase, progress; poll its Location' })
  @ApiProblemResponse(409, 'A rebuild is running already')
  async startRebuild(@Body() body: RebuildRequestDto, @Res({ passthrough: true }) response: Response) {
    if (body.policy !== undefined) candidateProjection(body.policy);
    const running = this.rebuilds.running();
    if (running) throw new ProblemException(409, 'rebuild-running', 'A rebuild is running', `rebuild ${running.id} is in its ${running.phase} phase`, { rebuild: running.id });
    const status = await this.rebuilds.start({ policy: body.policy, keep: body.keep, restart: body.restart, verify: body.verify, asOf: body.asOf === undefined ? undefined : asOfInstant(body.asOf) });
    response.setHeader('Location', `/v1/admin/rebuilds/${status.id}`);
    return status;
  }

  @Get('rebuilds')
  @ApiOperation({ summary: 'The rebuilds this process ran or runs (the last 10)' })
  @ApiOkResponse({ type: RebuildListResponse })
  listRebuilds() {
    return { items: this.rebuilds.list() };
  }

  @Get('rebuilds/:id')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'A rebuild: phase, done, total, rate, ETA; verify differences once computed' })
  @ApiOkResponse({ type: RebuildStatusResponse })
  @ApiProblemResponse(404, 'No such rebuild in this process')
  rebuild(@Param('id') id: string) {
    const status = this.rebuilds.get(id);
    if (!status) throw notFoundProblem(`No rebuild ${id}`);
    return status;
  }

  @Delete('rebuilds/:id')
  @HttpCode(202)
  @ApiOperation({ summary: 'Cancel a rebuild before its switch: its generation is dropped, the served one stays' })
  @ApiAcceptedResponse({ type: RebuildStatusResponse })
  @ApiProblemResponse(404, 'No such rebuild in this process')
  @ApiProblemResponse(409, 'It switched already, or it is not running')
  cancelRebuild(@Param('id') id: string) {
    const status = this.rebuilds.get(id);
    if (!status) throw notFoundProblem(`No rebuild ${id}`);
    if (!this.rebuilds.cancel(id)) throw new ProblemException(409, 'rebuild-not-cancellable', 'The rebuild cannot be cancelled', `rebuild ${id} is in its ${status.phase} phase`, { rebuild: id });
    return status;
  }

  @Get('generations')
  @ApiOperation({ summary: 'The generations of the read models: the one served, the one a rebuild builds, the kept ones' })
  @ApiOkResponse({ type: GenerationsResponse })
  async listGenerations() {
    await this.generations.refresh();
    const describe = (g: { id: number } | null) => g && { ...g, location: this.generations.describe(g.id) };
    const { active, building, kept } = this.generations.state;
    return { active: describe(active), building: describe(building), kept: kept.map(describe) };
  }
}

/** The candidate policy as a projection, or a 400 naming every violated key. */
function candidateProjection(policy: unknown): RelationshipProjection {
  try {
    return new RelationshipProjection(parsePolicy(policy));
  } catch (error) {
    if (error instanceof PolicyValidationError) throw validationProblem(error.issues.map((i) => ({ path: `policy.${i.key}`, messages: [i.message] })));
    throw error;
  }
}
