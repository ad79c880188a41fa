import type { InteractionEventType } from '../event-types';
import { CompetitorOfferDeclinedDataDto } from './competitor-offer-declined-data.dto';
import { ComplaintFiledDataDto } from './complaint-filed-data.dto';
import { ComplaintResolvedDataDto } from './complaint-resolved-data.dto';
import { ContactLoggedDataDto } from './contact-logged-data.dto';
import { CustomerRegisteredDataDto } from './customer-registered-data.dto';
import { CustomersMergedDataDto } from './customers-merged-data.dto';
import { PersonalDataErasedDataDto } from './personal-data-erased-data.dto';
import { PurchaseMadeDataDto } from './purchase-made-data.dto';
import { PurchaseRefundedDataDto } from './purchase-refunded-data.dto';
import { ReferralMadeDataDto } from './referral-made-data.dto';
import { RelationshipEndedDataDto } from './relationship-ended-data.dto';
import { SatisfactionRatedDataDto } from './satisfaction-rated-data.dto';

export type DataDtoClass = new () => object;

/**
 * The `data` class of each type. A `Record` over the union, so a new event type does not
 * compile until its DTO is registered here.
 */
export const DATA_DTO_BY_TYPE: Readonly<Record<InteractionEventType, DataDtoClass>> = Object.freeze({
  CustomerRegistered: CustomerRegisteredDataDto,
  ContactLogged: ContactLoggedDataDto,
  PurchaseMade: PurchaseMadeDataDto,
  PurchaseRefunded: PurchaseRefundedDataDto,
  ComplaintFiled: ComplaintFiledDataDto,
  ComplaintResolved: ComplaintResolvedDataDto,
  SatisfactionRated: SatisfactionRatedDataDto,
  ReferralMade: ReferralMadeDataDto,
  CompetitorOfferDeclined: CompetitorOfferDeclinedDataDto,
  RelationshipEnded: RelationshipEndedDataDto,
  CustomersMerged: CustomersMergedDataDto,
  PersonalDataErased: PersonalDataErasedDataDto,
});

// A Map lookup is a hash probe; `DATA_DTO_BY_TYPE[type]` for an arbitrary string could hit
// Object.prototype members ('constructor', 'toString'), so lookups go through this.
const dataDtoByType = new Map<string, DataDtoClass>(Object.entries(DATA_DTO_BY_TYPE));

/** The data DTO class for a type, or undefined for an unknown type. */
export const dataDtoFor = (type: unknown): DataDtoClass | undefined =>
  typeof type === 'string' ? dataDtoByType.get(type) : undefined;
