import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { CustomerView } from '@crm/domain';
import { EventStore } from '@crm/event-store';
import { ApiProblemResponse, RequireScope, hasScope, notFoundProblem } from '@crm/infrastructure';
import { DataKeys } from '@crm/privacy';
import { CustomerProjection, ProjectedView, customerEventsKnownAt, historyOfRecord } from '@crm/projection';
import type { ViewRecord } from '@crm/read-store';
import { GetCustomerViewQuery } from '../queries/get-customer-view.query';
import { ListCustomerViewsQuery } from '../queries/list-customer-views.query';
import { presentListItem, presentTimeline, presentView } from './customer-view.presenter';
import { CustomerViewRequestDto, asOfInstant } from './as-of.request.dto';
import { personalDataOf } from './personal-data.presenter';
import { CustomerListResponse, CustomerViewResponse, TimelineResponse } from './customer-view.response';
import { FILTER_KEYS, ListCustomersRequestDto } from './list-customers.request.dto';

type Record = ViewRecord<ProjectedView<CustomerView>>;

@ApiTags('query')
@ApiProblemResponse(400, 'A query parameter is not valid: each one named')
@RequireScope('read')
@Controller('v1/customers')
export class CustomersController {
  constructor(
    private readonly queryBus: QueryBus,
    @Inject(CustomerProjection) private readonly projection: CustomerProjection<CustomerView>,
    @Inject(EventStore) private readonly eventStore: EventStore,
    @Inject(DataKeys) private readonly keys: DataKeys,
  ) {}

  @Get(':id')
  @ApiOperation({
    summary: "A customer's view as of a time (default now) and the global position it reflects",
    description: 'With a read-pii key, also `personalData`: the name and contact details of the latest registration, opened with the customer’s data key (or erased).',
  })
  @ApiParam({ name: 'id', description: 'The customerId', example: 'C-102938' })
  @ApiOkResponse({ type: CustomerViewResponse })
  @ApiProblemResponse(404, 'No event of this customer has been projected (with knownAt: none was recorded by then)')
  @ApiProblemResponse(308, 'The customer was merged into another (CustomersMerged): Location names the survivor, the body says when and by which event')
  async get(@Param('id') id: string, @Query() query: CustomerViewRequestDto, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const pii = hasScope(request, 'read-pii');
    if (query.knownAt !== undefined) {
      const known = await this.knownAt(id, query.knownAt);
      const view = presentView(known.record, this.projection.present(this.projection.foldAsOf(id, known.events, asOfInstant(query.asOf))));
      return { ...view, ...(pii ? { personalData: await personalDataOf(known.events, this.keys) } : {}), knownAt: known.knownAt };
    }
    const record = await this.stored(id);
    if (record.view.mergedInto) return mergedPointer(record, response, '');
    // Read once: the evaluation may need the history, and so does a read-pii key's personal data.
    const history = readOnce(historyOfRecord(this.eventStore, record));
    const state = await this.projection.evaluate(record.view.state, asOfInstant(query.asOf), history);
    const view = presentView(record, this.projection.present(state));
    // Read from the stream, for read-pii only: the stored views hold no personal data at all.
    return pii ? { ...view, personalData: await personalDataOf(await history(), this.keys) } : view;
  }

  @Get(':id/timeline')
  @ApiOperation({ summary: 'Every lifecycle and trust stage change with the event and rule that caused it' })
  @ApiParam({ name: 'id', description: 'The customerId', example: 'C-102938' })
  @ApiOkResponse({ type: TimelineResponse })
  @ApiProblemResponse(404, 'No event of this customer has been projected (with knownAt: none was recorded by then)')
  @ApiProblemResponse(308, 'The customer was merged into another: Location names the survivor\'s timeline')
  async timeline(@Param('id') id: string, @Query() query: CustomerViewRequestDto, @Res({ passthrough: true }) response: Response) {
    if (query.knownAt !== undefined) {
      const known = await this.knownAt(id, query.knownAt);
      const state = await this.projection.evaluateWithFullHistory(id, asOfInstant(query.asOf), async () => known.events);
      return { ...presentTimeline(known.record, state), knownAt: known.knownAt };
    }
    const record = await this.stored(id);
    if (record.view.mergedInto) return mergedPointer(record, response, '/timeline');
    // The stored view lists the recent stage changes only: the whole timeline is the customer's stream (and those merged into it), folded.
    return presentTimeline(record, await this.projection.evaluateWithFullHistory(id, asOfInstant(query.asOf), historyOfRecord(this.eventStore, record)));
  }

  @Get()
  @ApiOperation({ summary: 'Customers page by page, filtered by lifecycle stage, trust stage, tier, loyalty stage (as of the last population pass or event)' })
  @ApiOkResponse({ type: CustomerListResponse })
  async list(@Query() query: ListCustomersRequestDto) {
    const filter = Object.fromEntries(FILTER_KEYS.filter((k) => query[k] !== undefined).map((k) => [k, query[k] as string]));
    const page = await this.queryBus.execute(new ListCustomerViewsQuery({ filter, limit: query.limit ?? 50, after: query.after }));
    return { total: page.total, nextCursor: page.nextCursor, items: (page.items as Record[]).map(presentListItem) };
  }

  /**
   * Known-at: the customer's events recorded by `knownAt`, from its stream (not the stored view,
   * which reflects everything recorded since), and the record they make: their last position, no
   * population segment (the pass is not bitemporal).
   */
  private async knownAt(id: string, knownAt: string) {
    const at = Date.parse(knownAt);
    const events = await customerEventsKnownAt(this.eventStore, id, at);
    if (events.length === 0) throw notFoundProblem(`No event of customer ${id} was recorded by ${new Date(at).toISOString()}`);
    const record: Record = {
      customerId: id,
      position: events.reduce((max, e) => (e.position > max ? e.position : max), -1),
      indexes: {},
      view: { projectionVersion: this.projection.version, state: undefined as unknown as CustomerView },
    };
    return { events, record, knownAt: new Date(at).toISOString() };
  }

  /**
   * The stored record (the application layer reads the clock; the domain gets the time as an
   * argument: an asOf before the view's clock re-folds the customer's history up to its position).
   */
  private async stored(id: string): Promise<Record> {
    const record = (await this.queryBus.execute(new GetCustomerViewQuery(id))) as Record | null;
    if (!record) throw notFoundProblem(`No customer ${id}`);
    return record;
  }
}

/** A merged customer answers 308 to its survivor, saying when and by which event it was merged. */
function mergedPointer(record: Record, response: Response, suffix: string) {
  const merged = record.view.mergedInto!;
  const query = response.req.url.includes('?') ? response.req.url.slice(response.req.url.indexOf('?')) : '';
  const location = `/v1/customers/${encodeURIComponent(merged.customerId)}${suffix}${query}`;
  response.status(308).setHeader('Location', location);
  return { customerId: record.customerId, mergedInto: merged.customerId, mergedAt: merged.occurredAt, eventId: merged.eventId, position: merged.position, location };
}

/** A loader that reads at most once, whoever calls it. */
function readOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}
