import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { notFoundProblem } from '@crm/infrastructure';
import { GetCustomerViewQuery } from '../queries/get-customer-view.query';
import { ListCustomerViewsQuery } from '../queries/list-customer-views.query';
import { FILTER_KEYS, ListCustomersRequestDto } from './list-customers.request.dto';

@ApiTags('query')
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':id')
  @ApiOperation({ summary: "A customer's view and the global position it reflects" })
  @ApiResponse({ status: 404, description: 'No event of this customer has been projected' })
  async get(@Param('id') id: string) {
    const record = await this.queryBus.execute(new GetCustomerViewQuery(id));
    if (!record) throw notFoundProblem(`No customer ${id}`);
    const { view, ...rest } = record as typeof record & { view: { projectionVersion: string; state: unknown } };
    return { ...rest, projectionVersion: view.projectionVersion, view: view.state };
  }

  @Get()
  @ApiOperation({ summary: 'Customers page by page, filtered by indexed values' })
  async list(@Query() query: ListCustomersRequestDto) {
    const filter = Object.fromEntries(FILTER_KEYS.filter((k) => query[k] !== undefined).map((k) => [k, query[k] as string]));
    const page = await this.queryBus.execute(new ListCustomerViewsQuery({ filter, limit: query.limit ?? 50, after: query.after }));
    return {
      total: page.total,
      nextCursor: page.nextCursor,
      items: page.items.map(({ view, ...rest }) => {
        const projected = view as { projectionVersion: string; state: unknown };
        return { ...rest, projectionVersion: projected.projectionVersion, view: projected.state };
      }),
    };
  }
}
