import { Module } from '@nestjs/common';
import { CustomerProjection } from './customer-projection';
import { ProjectorService } from './projector.service';
import { createCustomerProjection } from './create-customer-projection';

/** Folds events into customer views. Needs the ports bound by InfrastructureModule. */
@Module({
  providers: [{ provide: CustomerProjection, useFactory: createCustomerProjection }, ProjectorService],
  exports: [ProjectorService, CustomerProjection],
})
export class ProjectorModule {}
