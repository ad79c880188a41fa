import type { InteractionEventType } from '../event-types';

/**
 * The current (latest) payload version of each type: what the DTOs describe and what
 * validateInteractionEvent returns after upcasting. Raise one when adding an upcaster.
 */
export const CURRENT_SCHEMA_VERSIONS: Readonly<Record<InteractionEventType, number>> = Object.freeze({
  CustomerRegistered: 1,
  ContactLogged: 1,
  PurchaseMade: 1,
  PurchaseRefunded: 1,
  ComplaintFiled: 1,
  ComplaintResolved: 1,
  SatisfactionRated: 1,
  ReferralMade: 1,
  CompetitorOfferDeclined: 1,
  RelationshipEnded: 1,
  CustomersMerged: 1,
  PersonalDataErased: 1,
});

/** `schemaVersion` is optional on the wire and means 1 when absent (docs/relationship-model.md §1). */
export const DEFAULT_SCHEMA_VERSION = 1;
