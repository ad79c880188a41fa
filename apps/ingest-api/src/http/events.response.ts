import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';

/** An event that is in its stream: stored now, or already stored by an earlier request with this eventId. */
export class StoredEventResponse {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Index of the event in the request (0 for a single event)', example: 0 })
  index: number;

  @ApiProperty({ format: 'uuid', example: '5f0c2a52-8d6e-4c47-9a43-1b7c1b1f9e20' })
  eventId: string;

  @ApiProperty({ description: 'customer-<customerId>', example: 'customer-C-102938' })
  streamId: string;

  @ApiProperty({ enum: ['stored', 'duplicate'], description: 'duplicate: a retry of a stored eventId; nothing was stored again' })
  status: 'stored' | 'duplicate';

  @ApiProperty({ type: 'integer', minimum: 0, description: "The event's revision in its customer stream", example: 0 })
  streamRevision: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Global position; a view reflecting it has `position` >= this', example: 1 })
  position: number;

  @ApiProperty({
    required: false,
    pattern: '^[A-Za-z0-9._:-]+$',
    maxLength: 128,
    description:
      'Only when the event was published for a customer merged into another (CustomersMerged): the surviving customer it was stored under, with customerId rewritten (streamId is the survivor’s stream); the published id is kept in the event metadata as publishedCustomerId',
    example: 'C-102938',
  })
  survivorCustomerId?: string;
}

export class EventErrorResponse {
  @ApiProperty({ example: 'Conflict' })
  title: string;

  @ApiProperty()
  detail: string;

  @ApiProperty({ description: 'Whether sending the batch again can store it (duplicates are harmless)' })
  retriable: boolean;
}

/** A batch member that was not stored, because its customer's append failed. */
export class UnstoredEventResponse {
  @ApiProperty({ type: 'integer', minimum: 0, example: 3 })
  index: number;

  @ApiProperty({ format: 'uuid' })
  eventId: string;

  @ApiProperty({ example: 'customer-C-102938' })
  streamId: string;

  @ApiProperty({ enum: ['conflict', 'failed'], description: 'conflict: the eventId belongs to another customer; failed: the store failed' })
  status: 'conflict' | 'failed';

  @ApiProperty({ type: () => EventErrorResponse })
  error: EventErrorResponse;
}

@ApiExtraModels(StoredEventResponse, UnstoredEventResponse)
export class BatchResultResponse {
  @ApiProperty({ type: 'integer', minimum: 0 })
  stored: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  duplicates: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  conflicts: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  failed: number;

  @ApiProperty({
    type: 'array',
    description: 'One result per event, in request order',
    items: {
      oneOf: [{ $ref: getSchemaPath(StoredEventResponse) }, { $ref: getSchemaPath(UnstoredEventResponse) }],
      discriminator: {
        propertyName: 'status',
        mapping: {
          stored: getSchemaPath(StoredEventResponse),
          duplicate: getSchemaPath(StoredEventResponse),
          conflict: getSchemaPath(UnstoredEventResponse),
          failed: getSchemaPath(UnstoredEventResponse),
        },
      },
    },
  })
  results: (StoredEventResponse | UnstoredEventResponse)[];
}
