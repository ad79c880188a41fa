import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ListViewsQuery, ReadStore, ViewPage } from '@crm/read-store';

export class ListCustomerViewsQuery extends Query<ViewPage & { total: number }> {
  constructor(readonly query: Required<Pick<ListViewsQuery, 'filter' | 'limit'>> & Pick<ListViewsQuery, 'after'>) {
    super();
  }
}

@QueryHandler(ListCustomerViewsQuery)
export class ListCustomerViewsHandler implements IQueryHandler<ListCustomerViewsQuery, ViewPage & { total: number }> {
  constructor(@Inject(ReadStore) private readonly readStore: ReadStore) {}

  async execute({ query }: ListCustomerViewsQuery): Promise<ViewPage & { total: number }> {
    const [page, total] = await Promise.all([this.readStore.listViews(query), this.readStore.countViews(query.filter)]);
    return { ...page, total };
  }
}
