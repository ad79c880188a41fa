import { Module } from '@nestjs/common';
import { ChangeFeed } from './change-feed';
import { ChangesController } from './changes.controller';

/** GET /v1/changes: one change consumer per process, fanned out to every client. Needs the ports bound by InfrastructureModule. */
@Module({ controllers: [ChangesController], providers: [ChangeFeed], exports: [ChangeFeed] })
export class ChangesModule {}
