import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@crm/config';
import { ReadStoreGenerations } from '@crm/read-store';
import { CustomerProjection } from './customer-projection';
import { createCustomerProjection } from './create-customer-projection';
import { ServingGeneration } from './served-projection';

/**
 * Binds the view function (and its policy) for whoever folds or evaluates views: the projection of
 * the generation being served (its policy, or POLICY_FILE), so a blue-green switch moves every reader.
 */
@Module({
  providers: [
    {
      provide: ServingGeneration,
      useFactory: (config: AppConfig, generations: ReadStoreGenerations) => new ServingGeneration(generations, createCustomerProjection(config.POLICY_FILE)),
      inject: [APP_CONFIG, ReadStoreGenerations],
    },
    { provide: CustomerProjection, useFactory: (serving: ServingGeneration) => serving.projection, inject: [ServingGeneration] },
  ],
  exports: [CustomerProjection, ServingGeneration],
})
export class ProjectionModule {}
