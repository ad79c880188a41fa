import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ReadStore } from '@crm/read-store';
import { ProjectorService } from '@crm/projector';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly projector: ProjectorService,
    @Inject(ReadStore) private readonly readStore: ReadStore,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Readiness: stores answer and the projector runs (with its lag)' })
  async ready(@Res({ passthrough: true }) response: Response) {
    try {
      const [projector] = await Promise.all([this.projector.status(), this.readStore.countViews()]);
      return { status: 'ok', checks: { eventStore: 'up', readStore: 'up', projector } };
    } catch (error) {
      response.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { status: 'unavailable', detail: (error as Error).message };
    }
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live() {
    return { status: 'ok' };
  }
}
