import type { PersonalDataErasedData } from '../event-types';
import { IdField, IntegerField } from './field.decorators';

/** `data` of PersonalDataErased (appended by DELETE /v1/customers/:id/personal-data, never published). */
export class PersonalDataErasedDataDto implements PersonalDataErasedData {
  @IntegerField({ min: 0, max: 1_000_000 }, { description: 'Data-key versions destroyed (0: the customer had none)', example: 1 })
  destroyedKeys: number;

  @IdField({ description: 'The API key name that asked for the erasure', example: 'local-admin' })
  requestedBy: string;

  @IdField({ optional: true, description: "The caller's reference of the request (a ticket id)", example: 'DSR-2026-0042' })
  reference?: string;
}
