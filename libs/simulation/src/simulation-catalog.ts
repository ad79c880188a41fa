/** Reference data the generator draws from: products, topics, texts, names. */
import type { ChurnReason, ComplaintCategory, ComplaintSeverity, ContactChannel } from '@crm/contracts';

export interface ProductCategory {
  name: string;
  /** Product id prefix, e.g. BK-0042. */
  prefix: string;
  /** Typical unit price in minor units. */
  basePrice: number;
}

export const PRODUCT_CATEGORIES: readonly ProductCategory[] = [
  { name: 'books', prefix: 'BK', basePrice: 1_800 },
  { name: 'electronics', prefix: 'EL', basePrice: 24_900 },
  { name: 'home', prefix: 'HM', basePrice: 5_900 },
  { name: 'garden', prefix: 'GD', basePrice: 4_500 },
  { name: 'toys', prefix: 'TY', basePrice: 2_900 },
  { name: 'fashion', prefix: 'FA', basePrice: 5_500 },
  { name: 'beauty', prefix: 'BE', basePrice: 2_400 },
  { name: 'sports', prefix: 'SP', basePrice: 6_900 },
  { name: 'grocery', prefix: 'GR', basePrice: 3_200 },
  { name: 'music', prefix: 'MU', basePrice: 1_500 },
];

/** One currency per customer; EUR for most. */
export const CURRENCIES: readonly (readonly [string, number])[] = [
  ['EUR', 85],
  ['GBP', 8],
  ['USD', 5],
  ['CHF', 2],
];

/** UTC offsets (minutes) a customer's local systems report in, by currency. */
export const OFFSETS_BY_CURRENCY: Readonly<Record<string, readonly number[]>> = {
  EUR: [60, 60, 120, 0],
  GBP: [0],
  USD: [-300, -360, -480],
  CHF: [60, 120],
};

export const CONTACT_CHANNEL_WEIGHTS: readonly (readonly [ContactChannel, number])[] = [
  ['phone', 40],
  ['email', 20],
  ['chat', 18],
  ['web', 8],
  ['sms', 5],
  ['social', 5],
  ['in_person', 4],
];

/** Handle time range in seconds by channel. */
export const DURATION_BY_CHANNEL: Readonly<Record<ContactChannel, readonly [number, number]>> = {
  phone: [60, 1_500],
  email: [60, 900],
  chat: [120, 1_200],
  web: [30, 600],
  sms: [10, 120],
  social: [30, 600],
  in_person: [300, 2_400],
};

export const INBOUND_TOPICS: readonly string[] = [
  'order status',
  'billing question',
  'product information',
  'delivery',
  'returns',
  'account update',
  'technical support',
  'payment issue',
  'warranty',
  'store hours',
];
export const OUTBOUND_TOPICS: readonly string[] = ['welcome call', 'loyalty check-in', 'renewal offer', 'satisfaction follow-up', 'win-back offer'];
export const COMPLAINT_TOPIC = 'complaint';
export const FOLLOW_UP_TOPIC = 'follow-up';

export const COMPLAINT_CATEGORY_WEIGHTS: readonly (readonly [ComplaintCategory, number])[] = [
  ['product', 25],
  ['service', 22],
  ['billing', 18],
  ['delivery', 20],
  ['staff', 8],
  ['other', 7],
];
export const COMPLAINT_SEVERITY_WEIGHTS: readonly (readonly [ComplaintSeverity, number])[] = [
  ['low', 35],
  ['medium', 35],
  ['high', 20],
  ['critical', 10],
];
/** Default SLAs of docs/relationship-model.md §3, in days. */
export const SLA_DAYS: Readonly<Record<ComplaintSeverity, number>> = { critical: 1, high: 3, medium: 7, low: 14 };

export const COMPLAINT_DESCRIPTIONS: Readonly<Record<ComplaintCategory, readonly string[]>> = {
  product: ['Item stopped working after a week', 'Wrong size delivered', 'Product not as described'],
  service: ['Nobody called back as promised', 'Waited 40 minutes on hold', 'Chat disconnected twice'],
  billing: ['Charged twice for one order', 'Discount not applied', 'Unexpected fee on invoice'],
  delivery: ['Parcel two weeks late', 'Parcel left in the rain', 'Courier never came'],
  staff: ['Agent was rude', 'Store staff refused the return', 'Agent gave wrong information'],
  other: ['Website kept logging me out', 'Marketing emails after unsubscribing', 'Loyalty points missing'],
};
export const RESOLUTIONS: readonly string[] = [
  'Refunded shipping and apologised',
  'Replacement sent',
  'Invoice corrected',
  'Voucher issued',
  'Explained the policy',
  'Escalated to the supplier and repaired',
  'Apology and goodwill credit',
];
export const REFUND_REASONS: readonly string[] = ['arrived damaged', 'wrong item', 'changed mind', 'late delivery', 'defective', 'duplicate order'];

export const COMPETITORS: readonly string[] = ['RivalTel', 'ShopMax', 'ValueMart', 'MegaStore', 'QuickBuy'];
export const COMPETITOR_OFFERS: readonly string[] = [
  '20% off for 12 months',
  'Free delivery for a year',
  'Switching bonus of 50 EUR',
  'Price match plus 5%',
  'Two months free',
];

export const CHURN_NOTES: Readonly<Record<ChurnReason, readonly string[]>> = {
  deliberate: ['Closed the account after repeated problems', 'No longer wants the service'],
  unintentional: ['Payment card expired, subscription lapsed', 'Moved house and never updated the address'],
  competitor: ['Moved to a competitor', 'Accepted a rival switching offer'],
  price: ['Found it too expensive', 'Price increase was the last straw'],
  lost_eligibility: ['Moved abroad, outside the service area', 'Business account closed, no longer eligible'],
};

export const ACQUISITION_CHANNELS: readonly (readonly [string, number])[] = [
  ['web', 35],
  ['store', 20],
  ['referral', 12],
  ['campaign', 15],
  ['partner', 8],
  ['phone', 10],
];

export const FIRST_NAMES: readonly string[] = [
  'Ada', 'Ben', 'Chloe', 'Dmitri', 'Elena', 'Farid', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Kira', 'Luca',
  'Maya', 'Nils', 'Olga', 'Pablo', 'Quinn', 'Rosa', 'Sven', 'Tara', 'Umar', 'Vera', 'Wei', 'Yusuf', 'Zoe',
];
export const LAST_NAMES: readonly string[] = [
  'Lovelace', 'Berger', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Horvat', 'Ivanova', 'Jansen',
  'Kowalski', 'Lindqvist', 'Moreau', 'Novak', 'Okafor', 'Petrov', 'Rossi', 'Schmidt', 'Tanaka', 'Weber',
];

/** Logical publishers; custom `sources` are mapped onto these roles in order. */
export const SOURCE_ROLES = ['crm', 'ivr', 'pos', 'chat', 'survey', 'complaints'] as const;
export type SourceRole = (typeof SOURCE_ROLES)[number];
export const DEFAULT_SOURCES: readonly string[] = ['crm-web', 'ivr-eu-1', 'pos-eu-1', 'chat-eu-1', 'survey-svc', 'complaints-desk'];
