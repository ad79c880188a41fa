import { Module } from '@nestjs/common';
import { CustomerProjection } from './customer-projection';
import { ProjectorService } from './projector.service';
import { createCustomerProjection } from './create-customer-projection';

/** Folds the global log into customer views. Needs EventStore and ReadStore from the composition root. */
@Module({
  providers: [{ provide: CustomerProjection, useFactory: createCustomerProjection }, ProjectorService],
  exports: [ProjectorService, CustomerProjection],
})
export class ProjectorModule {}
