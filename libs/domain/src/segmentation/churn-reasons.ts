import { CHURN_REASONS } from '@crm/contracts';

export const DISSOLUTION_STAGE = 'dissolution';
/** The churn reason of a customer dissolved by a time rule (inactivity, volume decline), not by RelationshipEnded. */
export const UNSPECIFIED_CHURN_REASON = 'unspecified';
/** Every reason a lost customer can be grouped under: RelationshipEnded's reasons and `unspecified`. */
export const WIN_BACK_REASONS = [...CHURN_REASONS, UNSPECIFIED_CHURN_REASON] as const;
export type WinBackReasonName = (typeof WIN_BACK_REASONS)[number];
