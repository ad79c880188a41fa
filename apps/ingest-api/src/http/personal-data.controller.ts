import { Controller, Delete, HttpCode, Inject, Logger, Param, Query, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiPropertyOptional, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import type { InteractionEvent } from '@crm/contracts';
import { CUSTOMER_ID_MAX_LENGTH, CUSTOMER_ID_PATTERN, CUSTOMER_ID_PATTERN_MESSAGE, ID_MAX_LENGTH } from '@crm/contracts/edge';
import { EventStore } from '@crm/event-store';
import { ApiProblemResponse, RequireScope, notFoundProblem, principalOf, validationProblem } from '@crm/infrastructure';
import { DataKeys, hasClearPersonalData } from '@crm/privacy';
import { customerHistory } from '@crm/projection';
import { RecordInteractionsCommand, RecordOutcome } from '../commands/record-interactions.command';
import { MergeRegistry } from '../merges/merge-registry';

/** Where erasure events come from (the envelope's `source`). */
export const ERASURE_SOURCE = 'crm-platform';

class DestroyedKeysResponse {
  @ApiProperty({ example: 'C-102938' })
  customerId: string;

  @ApiProperty({ type: [Number], description: 'The data-key versions destroyed now (empty: none was left)', example: [1] })
  versionsDestroyed: number[];
}

export class ErasureResponse {
  @ApiProperty({ description: 'The customer named in the request', example: 'C-102938' })
  customerId: string;

  @ApiProperty({ description: 'The customer whose stream records the erasure: the survivor when the id was merged', example: 'C-102938' })
  survivorCustomerId: string;

  @ApiProperty({ type: [String], description: 'Every id of the person erased: the survivor and the ids merged into it', example: ['C-102938'] })
  erasedCustomerIds: string[];

  @ApiProperty({ type: [DestroyedKeysResponse] })
  destroyedKeys: DestroyedKeysResponse[];

  @ApiProperty({ description: 'When the keys were destroyed (the PersonalDataErased event occurredAt)', example: '2026-12-01T16:40:00.000Z' })
  erasedAt: string;

  @ApiProperty({ description: 'The PersonalDataErased event appended to the survivor’s stream' })
  eventId: string;

  @ApiProperty()
  position: number;

  @ApiProperty({
    description:
      'Events of these ids holding personal data in clear: stored before sealing was introduced, so no key protects them. Erasure cannot shred them; they need the store rewritten (docs/personal-data.md).',
    example: 0,
  })
  unsealedEvents: number;

  @ApiPropertyOptional({ description: 'Present when unsealedEvents > 0: what is left to do' })
  warning?: string;
}

/**
 * Erasure by crypto-shredding: the person's data keys are destroyed, then a PersonalDataErased
 * event is appended to their stream. Every sealed field of every copy (store, Kafka, backups,
 * replays) stays ciphertext for good; the facts the measures use were never personal and stay.
 */
@ApiTags('personal data')
@RequireScope('admin')
@Controller('v1/customers')
export class PersonalDataController {
  private readonly logger = new Logger('PersonalData');

  constructor(
    private readonly commandBus: CommandBus,
    @Inject(EventStore) private readonly eventStore: EventStore,
    @Inject(DataKeys) private readonly keys: DataKeys,
    @Inject(MergeRegistry) private readonly merges: MergeRegistry,
  ) {}

  @Delete(':id/personal-data')
  @HttpCode(200)
  @ApiOperation({
    summary: "Erase a customer's personal data (crypto-shredding)",
    description:
      "Destroys the customer's data keys (every version; for a merged id, the whole person: the survivor and every id merged into it), then appends PersonalDataErased. " +
      'From then on no sealed name, e-mail, phone or free text of theirs can be read anywhere; stages, loyalty and value are unchanged. Idempotent: a second call destroys nothing and records it again.',
  })
  @ApiParam({ name: 'id', description: 'The customerId (a merged id erases its survivor’s person)', example: 'C-102938' })
  @ApiQuery({ name: 'reference', required: false, description: 'Your reference of the request (a ticket id), kept in the event', example: 'DSR-2026-0042' })
  @ApiOkResponse({ type: ErasureResponse })
  @ApiProblemResponse(400, 'The id or the reference is not valid')
  @ApiProblemResponse(404, 'No event of this customer is stored')
  async erase(@Param('id') id: string, @Req() request: Request, @Query('reference') reference?: unknown): Promise<ErasureResponse> {
    const violations = [
      ...(CUSTOMER_ID_PATTERN.test(id) && id.length <= CUSTOMER_ID_MAX_LENGTH ? [] : [{ path: 'id', messages: [`id ${CUSTOMER_ID_PATTERN_MESSAGE}, at most ${CUSTOMER_ID_MAX_LENGTH} characters`] }]),
      ...(reference === undefined || (typeof reference === 'string' && /\S/.test(reference) && reference.length <= ID_MAX_LENGTH)
        ? []
        : [{ path: 'reference', messages: [`reference must be one non-blank string of at most ${ID_MAX_LENGTH} characters`] }]),
    ];
    if (violations.length > 0) throw validationProblem(violations);

    await this.merges.refresh();
    const survivor = this.merges.state.survivorOf(id);
    const ids = this.merges.state.identitiesOf(survivor);
    // Every stream of the person, each event still knowing the customer it was stored under.
    const events = await customerHistory(this.eventStore, survivor, Number.MAX_SAFE_INTEGER, ids.slice(1))();
    if (events.length === 0) throw notFoundProblem(`No event of customer ${id} is stored.`);

    const erasedAt = new Date().toISOString();
    // Keys first: once they are gone nothing can read the data, whatever happens to the append.
    const destroyed = await this.keys.destroy(ids, erasedAt);
    const destroyedKeys = destroyed.reduce((n, d) => n + d.versionsDestroyed.length, 0);
    const requestedBy = principalOf(request)?.name ?? 'unknown';
    const event = {
      eventId: randomUUID(),
      type: 'PersonalDataErased',
      schemaVersion: 1,
      customerId: survivor,
      occurredAt: erasedAt,
      source: ERASURE_SOURCE,
      data: { destroyedKeys, requestedBy, ...(typeof reference === 'string' ? { reference } : {}) },
    } as InteractionEvent;
    const [outcome] = (await this.commandBus.execute(new RecordInteractionsCommand([event]))) as RecordOutcome[];
    const unsealedEvents = events.filter(hasClearPersonalData).length;
    this.logger.log(`erased ${ids.join(', ')} (${destroyedKeys} key version(s) destroyed) by ${requestedBy}${unsealedEvents > 0 ? `; ${unsealedEvents} event(s) hold personal data in clear (stored before sealing)` : ''}`);
    return {
      customerId: id,
      survivorCustomerId: survivor,
      erasedCustomerIds: ids,
      destroyedKeys: destroyed,
      erasedAt,
      eventId: event.eventId,
      position: outcome.status === 'stored' || outcome.status === 'duplicate' ? outcome.position : -1,
      unsealedEvents,
      ...(unsealedEvents > 0
        ? { warning: `${unsealedEvents} event(s) of these ids were stored before personal data was sealed and keep it in clear: erasure cannot shred them (docs/personal-data.md)` }
        : {}),
    };
  }
}
