import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CustomersController } from './http/customers.controller';
import { GetCustomerViewHandler } from './queries/get-customer-view.query';
import { ListCustomerViewsHandler } from './queries/list-customer-views.query';

/** Downstream teams read views here. Needs a ReadStore bound by the composition root. */
@Module({
  imports: [CqrsModule],
  controllers: [CustomersController],
  providers: [GetCustomerViewHandler, ListCustomerViewsHandler],
})
export class QueryModule {}
