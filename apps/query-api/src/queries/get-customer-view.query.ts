import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ReadStore, ViewRecord } from '@crm/read-store';

export class GetCustomerViewQuery extends Query<ViewRecord | null> {
  constructor(readonly customerId: string) {
    super();
  }
}

@QueryHandler(GetCustomerViewQuery)
export class GetCustomerViewHandler implements IQueryHandler<GetCustomerViewQuery, ViewRecord | null> {
  constructor(@Inject(ReadStore) private readonly readStore: ReadStore) {}

  execute(query: GetCustomerViewQuery): Promise<ViewRecord | null> {
    return this.readStore.getView(query.customerId);
  }
}
