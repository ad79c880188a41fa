import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@crm/config';
import { CustomerProjection } from './customer-projection';
import { createCustomerProjection } from './create-customer-projection';

/** Binds the view function (and its policy) for whoever folds or evaluates views. */
@Module({
  providers: [{ provide: CustomerProjection, useFactory: (config: AppConfig) => createCustomerProjection(config.POLICY_FILE), inject: [APP_CONFIG] }],
  exports: [CustomerProjection],
})
export class ProjectionModule {}
