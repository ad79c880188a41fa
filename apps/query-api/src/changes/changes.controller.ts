import { Controller, MessageEvent, Req, Sse } from '@nestjs/common';
import type { Request } from 'express';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Observable } from 'rxjs';
import { ChangeFeed } from './change-feed';
import { RequireScope } from '@crm/infrastructure';

const DESCRIPTION = `Server-sent events, one \`relationship-change\` per change of a customer's lifecycle stage, trust
stage, tier or loyalty stage, with the causing event; live from the moment of connection.

**Ids and resuming.** Each event's \`id\` is \`<position>:<key>\`: the global position of the causing event (the
\`position\` of the views and of POST /v1/events) and the index that changed. It is the same in every process
and in the embedded and distributed modes. Reconnecting with \`Last-Event-ID\` (EventSource does it by itself;
\`?lastEventId=\` for a client that cannot set headers) first sends the changes this process received after that
id, in the order it received them, from the last CHANGES_BUFFER_SIZE changes it keeps in memory. When the id is not
held (older than the buffer, from before the process started, or malformed) a \`reset\` event comes instead: its data
says why, its id is the newest change held; re-read the views you follow (or the history on Kafka,
crm.relationship-changes.v1), then the stream goes on live.

**Heartbeat.** A comment line (\`: heartbeat\`) every CHANGES_HEARTBEAT_SEC seconds (15 by default) keeps idle
connections open through proxies. At shutdown the stream ends; reconnect.`;

@ApiTags('query')
@RequireScope('read')
@Controller('v1/changes')
export class ChangesController {
  constructor(private readonly feed: ChangeFeed) {}

  @Sse()
  @ApiOperation({ summary: 'Stream of relationship changes (text/event-stream), resumable with Last-Event-ID', description: DESCRIPTION })
  @ApiOkResponse({
    description: 'An endless text/event-stream: `relationship-change` events (data: the change as on crm.relationship-changes.v1), `reset` events, heartbeat comments',
    content: {
      'text/event-stream': {
        schema: {
          type: 'string',
          example:
            'event: relationship-change\nid: 42:lifecycleStage\ndata: {"customerId":"C-102938","key":"lifecycleStage","from":null,"to":"exploration","eventId":"5f0c2a52-8d6e-4c47-9a43-1b7c1b1f9e20","eventType":"PurchaseMade","occurredAt":"2026-03-14T10:22:05+01:00","position":42}\n\n: heartbeat\n\n',
        },
      },
    },
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'the id of the last change received: resume after it' })
  @ApiQuery({ name: 'lastEventId', required: false, description: 'the same, for a client that cannot set headers (the header wins)' })
  stream(@Req() request: Request): Observable<MessageEvent> {
    // Read from the request, not with @Headers/@Query: those would add a second, required
    // parameter to the OpenAPI document beside the optional ones declared above.
    const header = request.headers['last-event-id'];
    const query = request.query.lastEventId;
    const lastEventId = (typeof header === 'string' ? header.trim() : '') || (typeof query === 'string' ? query.trim() : '') || undefined;
    const responseClosed = new Promise<void>((resolve) => request.res!.once('close', () => resolve()));
    return this.feed.stream(lastEventId, responseClosed);
  }
}
