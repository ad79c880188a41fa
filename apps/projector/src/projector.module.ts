import { Module } from '@nestjs/common';
import { ProjectionModule } from '@crm/projection';
import { ProjectorService } from './projector.service';

/** Folds events into customer views. Needs the ports bound by InfrastructureModule. */
@Module({
  imports: [ProjectionModule],
  providers: [ProjectorService],
  exports: [ProjectorService],
})
export class ProjectorModule {}
