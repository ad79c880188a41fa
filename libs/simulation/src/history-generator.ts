/**
 * A deterministic, streaming call-centre history: customers with personas (personas.ts) live
 * through `days` simulated days; the events of all customers come out in global time order,
 * one day at a time, so memory grows with the number of customers, never with the history.
 *
 * Each customer is a tiny discrete-event simulation: a queue of due actions (register, buy,
 * call, complain, resolve, refund, rate, …). Every simulated day the customer draws its
 * spontaneous actions for the day from its persona's rates, then executes every action due
 * before the end of the day; executing one may schedule follow-ups (a refund, a rating, a
 * complaint resolution, a follow-up call). The day's events of all customers are sorted by
 * time (stable, so one customer's same-second events keep their order) and yielded.
 *
 * Determinism: every random draw comes from seeded generators (seeded-random.ts), one per
 * customer plus one for the population, so the same options give the same events and the
 * same eventIds; re-publishing a run is therefore idempotent.
 */
import {
  CHURN_REASONS,
  type ChurnReason,
  type ContactChannel,
  type ContactDirection,
  type ContactOutcome,
  type EventDataByType,
  type InteractionEvent,
  type InteractionEventType,
  type RatingContext,
  type RatingScale,
} from '@crm/contracts';
import { PERSONAS, PERSONA_PROFILES, type Persona, type PersonaProfile } from './personas';
import { SeededRandom } from './seeded-random';
import {
  ACQUISITION_CHANNELS,
  CHURN_NOTES,
  COMPETITORS,
  COMPETITOR_OFFERS,
  COMPLAINT_CATEGORY_WEIGHTS,
  COMPLAINT_DESCRIPTIONS,
  COMPLAINT_SEVERITY_WEIGHTS,
  COMPLAINT_TOPIC,
  CONTACT_CHANNEL_WEIGHTS,
  CURRENCIES,
  DEFAULT_SOURCES,
  DURATION_BY_CHANNEL,
  FIRST_NAMES,
  FOLLOW_UP_TOPIC,
  INBOUND_TOPICS,
  LAST_NAMES,
  OFFSETS_BY_CURRENCY,
  OUTBOUND_TOPICS,
  PRODUCT_CATEGORIES,
  REFUND_REASONS,
  RESOLUTIONS,
  SLA_DAYS,
  SOURCE_ROLES,
  type SourceRole,
} from './simulation-catalog';

export interface HistoryOptions {
  /** Number of customers (ids `${customerIdPrefix}000001` …). */
  customers: number;
  /** Number of simulated days. */
  days: number;
  /** PRNG seed (integer); the same options always give the same events. */
  seed: number;
  /** First simulated instant, ISO 8601. @defaultValue '2025-01-01T00:00:00Z' */
  start?: string;
  /** Agents A-001 … @defaultValue 40 */
  agents?: number;
  /** Teams T-01 …; agent i belongs to team i mod teams. @defaultValue 6 */
  teams?: number;
  /**
   * Publisher names, mapped in order onto the roles crm, ivr, pos, chat, survey, complaints
   * (cycled when fewer). @defaultValue ['crm-web','ivr-eu-1','pos-eu-1','chat-eu-1','survey-svc','complaints-desk']
   */
  sources?: string[];
  /** Share of events that arrive late (occurredAt before the customer's latest event). @defaultValue 0.01 */
  lateShare?: number;
  /** Prefix of customer ids; change it to get fresh streams in a shared store. @defaultValue 'C-' */
  customerIdPrefix?: string;
}

export const DEFAULT_HISTORY_START = '2025-01-01T00:00:00Z';
export const DEFAULT_AGENTS = 40;
export const DEFAULT_TEAMS = 6;
export const DEFAULT_LATE_SHARE = 0.01;
export const DEFAULT_CUSTOMER_ID_PREFIX = 'C-';

/** The customer id of the i-th (0-based) simulated customer. */
export const simulatedCustomerId = (index: number, prefix: string = DEFAULT_CUSTOMER_ID_PREFIX): string =>
  `${prefix}${String(index + 1).padStart(6, '0')}`;

/**
 * The simulated history as a re-iterable stream: each iteration runs the simulation again from
 * the seed (so a caller can count in one pass and publish in a second one).
 */
export function generateHistory(options: HistoryOptions): Iterable<InteractionEvent> {
  const resolved = resolveOptions(options);
  return { [Symbol.iterator]: () => new HistorySimulation(resolved).run() };
}

// ---- options --------------------------------------------------------------------------------

interface ResolvedOptions {
  customers: number;
  days: number;
  seed: number;
  startMs: number;
  agents: number;
  teams: number;
  sources: readonly string[];
  lateShare: number;
  customerIdPrefix: string;
}

const ID_SAFE = /^[A-Za-z0-9._:-]*$/;

function resolveOptions(options: HistoryOptions): ResolvedOptions {
  const integer = (name: string, value: number, min: number) => {
    if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
    return value;
  };
  const start = options.start ?? DEFAULT_HISTORY_START;
  const startMs = Date.parse(start);
  if (Number.isNaN(startMs)) throw new RangeError(`start must be an ISO 8601 date-time, got ${start}`);
  const sources = options.sources ?? DEFAULT_SOURCES;
  if (sources.length === 0 || sources.some((s) => s.trim().length === 0 || s.length > 128)) {
    throw new RangeError('sources must be a non-empty list of non-blank names of at most 128 characters');
  }
  const lateShare = options.lateShare ?? DEFAULT_LATE_SHARE;
  if (!(lateShare >= 0 && lateShare < 1)) throw new RangeError(`lateShare must be in [0, 1), got ${lateShare}`);
  const customerIdPrefix = options.customerIdPrefix ?? DEFAULT_CUSTOMER_ID_PREFIX;
  if (!ID_SAFE.test(customerIdPrefix) || customerIdPrefix.length > 100) {
    throw new RangeError('customerIdPrefix may contain only letters, digits and . _ : - (at most 100)');
  }
  return {
    customers: integer('customers', options.customers, 0),
    days: integer('days', options.days, 0),
    seed: integer('seed', options.seed, 0),
    startMs,
    agents: integer('agents', options.agents ?? DEFAULT_AGENTS, 1),
    teams: integer('teams', options.teams ?? DEFAULT_TEAMS, 1),
    sources,
    lateShare,
    customerIdPrefix,
  };
}

// ---- simulation state -----------------------------------------------------------------------

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Late call logs are uploaded at most this long after they happened. */
const MAX_LATENESS = 14 * DAY;
/** The late-share debt is capped so a customer-less stretch cannot cause a burst later. */
const MAX_LATE_DEBT = 3;
/** Below this share of its initial rate a drifter goes silent. */
const SILENT_BELOW = 0.03;

// Sub-stream ids of the seed (arbitrary distinct constants).
const POPULATION_STREAM = 1;
const CUSTOMER_STREAM = 2;

type Action =
  | { kind: 'register'; due: number }
  | { kind: 'purchase'; due: number; winBack: boolean }
  | { kind: 'contact'; due: number; direction?: ContactDirection; topic?: string; followUpOf?: string; causationId?: string }
  | { kind: 'complaint'; due: number }
  | { kind: 'resolve'; due: number; complaintId: string; withinSla: boolean; causationId: string }
  | { kind: 'refund'; due: number; orderId: string; amount: number; causationId: string }
  | { kind: 'rating'; due: number; context: RatingContext; shift: number; agentId?: string; causationId?: string }
  | { kind: 'referral'; due: number }
  | { kind: 'decline'; due: number }
  | { kind: 'end'; due: number; reason: ChurnReason };

interface Order {
  orderId: string;
  amount: number;
  eventId: string;
}

interface CustomerState {
  index: number;
  id: string;
  /** Zero-padded number used in order, contact and complaint ids. */
  num: string;
  rng: SeededRandom;
  persona: Persona;
  profile: PersonaProfile;
  joinMs: number;
  currency: string;
  offsetMinutes: number;
  scale: RatingScale;
  mood: number;
  channel: ContactChannel;
  /** Indexes into PRODUCT_CATEGORIES. */
  categories: number[];
  /** Due actions, sorted by `due`. */
  queue: Action[];
  firstMs: number;
  lastMs: number;
  purchases: number;
  lastOrder: Order | undefined;
  orderSeq: number;
  contactSeq: number;
  complaintSeq: number;
  ended: boolean;
  silent: boolean;
}

interface Slot {
  key: number;
  customer: number;
  event: InteractionEvent;
}

const PERSONA_WEIGHTS = PERSONAS.map((persona) => [persona, PERSONA_PROFILES[persona].weight] as const);
const CATEGORY_INDEXES = PRODUCT_CATEGORIES.map((_, i) => i);

class HistorySimulation {
  private readonly population: SeededRandom;
  private readonly agentEscalation: number[];
  private readonly sourceByRole: Record<SourceRole, string>;
  private readonly slots: Slot[] = [];
  private lateDebt = 0;

  constructor(private readonly o: ResolvedOptions) {
    this.population = SeededRandom.forStream(o.seed, POPULATION_STREAM);
    // A few agents escalate far more than the others (§6 empowerment rate must show it).
    this.agentEscalation = Array.from({ length: o.agents }, () =>
      this.population.chance(0.15) ? this.population.between(0.18, 0.32) : this.population.between(0.02, 0.07),
    );
    if (o.agents >= 3 && !this.agentEscalation.some((rate) => rate >= 0.18)) this.agentEscalation[o.agents - 1] = 0.25;
    this.sourceByRole = Object.fromEntries(SOURCE_ROLES.map((role, i) => [role, o.sources[i % o.sources.length]])) as Record<SourceRole, string>;
  }

  *run(): Generator<InteractionEvent> {
    const { days, startMs } = this.o;
    const { order, bucketStart } = this.joinSchedule();
    let active: CustomerState[] = [];
    for (let day = 0; day < days; day++) {
      const dayStart = startMs + day * DAY;
      const dayEnd = dayStart + DAY;
      for (let k = bucketStart[day]; k < bucketStart[day + 1]; k++) active.push(this.join(order[k], dayStart));
      for (const state of active) this.live(state, dayStart, dayEnd);
      // Stable sort: one customer's events in the same second keep their generation order.
      this.slots.sort((a, b) => a.key - b.key || a.customer - b.customer);
      for (const slot of this.slots) yield slot.event;
      this.slots.length = 0;
      // Forget customers with nothing left to do (dormant): memory follows the active population.
      if (day % 7 === 6) active = active.filter((s) => !((s.silent || s.ended) && s.queue.length === 0));
    }
  }

  /** Join day per customer: 30 % in the first two weeks, the rest spread over the window. */
  private joinSchedule(): { order: Int32Array; bucketStart: Int32Array } {
    const { customers, days } = this.o;
    const joinDay = new Int32Array(customers);
    const counts = new Int32Array(days + 1);
    for (let i = 0; i < customers; i++) {
      const d = days === 0 ? 0 : this.population.chance(0.3) ? this.population.int(0, Math.min(13, days - 1)) : this.population.int(0, days - 1);
      joinDay[i] = d;
      counts[d]++;
    }
    const bucketStart = new Int32Array(days + 2);
    for (let d = 0; d <= days; d++) bucketStart[d + 1] = bucketStart[d] + counts[d];
    const fill = bucketStart.slice();
    const order = new Int32Array(customers);
    for (let i = 0; i < customers; i++) order[fill[joinDay[i]]++] = i;
    return { order, bucketStart };
  }

  private join(index: number, dayStart: number): CustomerState {
    const rng = SeededRandom.forStream(this.o.seed, CUSTOMER_STREAM, index);
    const persona = rng.weighted(PERSONA_WEIGHTS);
    const profile = PERSONA_PROFILES[persona];
    const currency = rng.weighted(CURRENCIES);
    const [minCategories, maxCategories] = profile.categories;
    const categories = shuffled(rng, CATEGORY_INDEXES).slice(0, rng.int(minCategories, maxCategories));
    const joinMs = floorSecond(dayStart + rng.between(7 * HOUR, 21 * HOUR));
    const state: CustomerState = {
      index,
      id: simulatedCustomerId(index, this.o.customerIdPrefix),
      num: String(index + 1).padStart(6, '0'),
      rng,
      persona,
      profile,
      joinMs,
      currency,
      offsetMinutes: rng.pick(OFFSETS_BY_CURRENCY[currency]),
      scale: rng.chance(0.65) ? 5 : 7,
      mood: clamp(profile.mood + 0.1 * rng.normal(), 0.02, 0.98),
      channel: rng.weighted(CONTACT_CHANNEL_WEIGHTS),
      categories,
      queue: [],
      firstMs: -1,
      lastMs: -1,
      purchases: 0,
      lastOrder: undefined,
      orderSeq: 0,
      contactSeq: 0,
      complaintSeq: 0,
      ended: false,
      silent: false,
    };
    const buys = profile.maxPurchases > 0;
    const firstPurchaseDelay = persona === 'one_time' ? rng.between(0, 20 * DAY) : rng.between(0, 10 * DAY);
    if (rng.chance(0.9)) {
      schedule(state, { kind: 'register', due: joinMs });
      if (buys && (persona === 'one_time' || rng.chance(0.6))) {
        schedule(state, { kind: 'purchase', due: floorSecond(joinMs + MINUTE + firstPurchaseDelay), winBack: false });
      } else if (!buys) {
        schedule(state, { kind: 'contact', due: floorSecond(joinMs + MINUTE + rng.between(0, 3 * DAY)) });
      }
    } else {
      // First seen through a contact or a purchase; half of these register later.
      schedule(state, buys && rng.chance(0.6) ? { kind: 'purchase', due: joinMs, winBack: false } : { kind: 'contact', due: joinMs });
      if (rng.chance(0.5)) schedule(state, { kind: 'register', due: floorSecond(joinMs + rng.between(1 * DAY, 20 * DAY)) });
    }
    if (profile.endShare > 0 && rng.chance(profile.endShare)) {
      const reason: ChurnReason = persona === 'complainer' ? rng.pick(['deliberate', 'competitor'] as const) : rng.pick(CHURN_REASONS);
      schedule(state, { kind: 'end', due: floorSecond(joinMs + rng.between(30 * DAY, 300 * DAY)), reason });
    }
    return state;
  }

  /** One simulated day of one customer: draw spontaneous actions, then run what is due. */
  private live(state: CustomerState, dayStart: number, dayEnd: number): void {
    const { rng, profile } = state;
    if (!state.ended && !state.silent) {
      const ageDays = Math.max(0, (dayStart - state.joinMs) / DAY);
      const decay = Number.isFinite(profile.decayHalfLifeDays) ? Math.pow(0.5, ageDays / profile.decayHalfLifeDays) : 1;
      if (decay < SILENT_BELOW) {
        state.silent = true;
      } else {
        const at = (from: number, to: number) => Math.max(state.joinMs + SECOND, floorSecond(dayStart + rng.between(from * HOUR, to * HOUR)));
        if (state.purchases < profile.maxPurchases && rng.chance((profile.purchasesPerYear * decay) / 365)) {
          schedule(state, { kind: 'purchase', due: at(6, 23.5), winBack: false });
        }
        if (rng.chance((profile.contactsPerYear * decay) / 365)) schedule(state, { kind: 'contact', due: at(8, 20) });
        if (rng.chance(profile.complaintsPerYear / 365)) schedule(state, { kind: 'complaint', due: at(8, 20) });
        if (rng.chance(profile.surveysPerYear / 365)) schedule(state, { kind: 'rating', due: at(9, 21), context: 'survey', shift: 0 });
        if (rng.chance(profile.referralsPerYear / 365)) schedule(state, { kind: 'referral', due: at(9, 22) });
        if (rng.chance(profile.competitorDeclinesPerYear / 365)) schedule(state, { kind: 'decline', due: at(9, 20) });
      }
    }
    while (state.queue.length > 0 && state.queue[0].due < dayEnd) {
      const action = state.queue.shift()!;
      this.execute(state, action);
    }
  }

  private execute(state: CustomerState, action: Action): void {
    switch (action.kind) {
      case 'register':
        return this.register(state, action.due);
      case 'purchase':
        return this.purchase(state, action.due, action.winBack);
      case 'contact':
        this.contact(state, action.due, action);
        return;
      case 'complaint':
        return this.complaint(state, action.due);
      case 'resolve':
        return this.resolve(state, action);
      case 'refund':
        return this.refund(state, action);
      case 'rating':
        return this.rate(state, action);
      case 'referral':
        return this.referral(state, action.due);
      case 'decline':
        return this.decline(state, action.due);
      case 'end':
        return this.end(state, action.due, action.reason);
      default: {
        const unhandled: never = action;
        throw new Error(`unhandled action ${JSON.stringify(unhandled)}`);
      }
    }
  }

  // ---- actions ------------------------------------------------------------------------------

  private register(state: CustomerState, ms: number): void {
    const { rng } = state;
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const data: EventDataByType['CustomerRegistered'] = {
      displayName: `${first} ${last}`,
      acquisitionChannel: rng.weighted(ACQUISITION_CHANNELS),
    };
    if (rng.chance(0.85)) data.email = `${first}.${last}.${state.num}@example.com`.toLowerCase();
    if (rng.chance(0.6)) data.phone = `+44 20 7946 ${String(rng.int(0, 9999)).padStart(4, '0')}`;
    this.emit(state, 'CustomerRegistered', data, ms, 'crm');
  }

  private purchase(state: CustomerState, ms: number, winBack: boolean): void {
    // A purchase planned before the customer left does not happen; a win-back one does.
    if (state.ended && !winBack) return;
    if (state.purchases >= state.profile.maxPurchases && !winBack) return;
    const { rng, profile } = state;
    if (winBack) {
      state.ended = false;
      state.profile = PERSONA_PROFILES.occasional;
    }
    // Regulars lean on a favourite category but buy across all of theirs (cross-buying).
    const category = PRODUCT_CATEGORIES[rng.chance(0.4) ? state.categories[0] : rng.pick(state.categories)];
    const quantity = rng.weighted([[1, 80], [2, 12], [3, 5], [rng.int(4, 6), 3]] as const);
    const unitPrice = Math.max(99, Math.round((category.basePrice * Math.exp(0.45 * rng.normal())) / 100) * 100 - 1);
    const amount = rng.chance(0.005) ? 0 : unitPrice * quantity; // a few free (promotional) orders
    const orderId = `O-${state.num}-${++state.orderSeq}`;
    const eventId = this.emit(
      state,
      'PurchaseMade',
      {
        orderId,
        amount,
        currency: state.currency,
        productCategory: category.name,
        productId: `${category.prefix}-${String(rng.int(1, 400)).padStart(4, '0')}`,
        quantity,
      },
      ms,
      'pos',
    ).eventId;
    state.purchases++;
    state.lastOrder = { orderId, amount, eventId };
    if (amount > 0 && rng.chance(profile.refundShare)) {
      schedule(state, { kind: 'refund', due: floorSecond(ms + rng.between(2 * DAY, 30 * DAY)), orderId, amount, causationId: eventId });
    }
    if (rng.chance(profile.purchaseRatingShare)) {
      schedule(state, { kind: 'rating', due: floorSecond(ms + rng.between(HOUR, 72 * HOUR)), context: 'purchase', shift: 0.05, causationId: eventId });
    }
  }

  /** Logs one contact; returns where it ended (for a complaint that follows it). */
  private contact(
    state: CustomerState,
    ms: number,
    action: { direction?: ContactDirection; topic?: string; followUpOf?: string; causationId?: string },
    complaint = false,
  ): number {
    const { rng } = state;
    const channel: ContactChannel = rng.chance(0.6) ? state.channel : rng.weighted(CONTACT_CHANNEL_WEIGHTS);
    const direction: ContactDirection = action.direction ?? (rng.chance(0.18) ? 'outbound' : 'inbound');
    const topic = action.topic ?? (complaint ? COMPLAINT_TOPIC : rng.pick(direction === 'outbound' ? OUTBOUND_TOPICS : INBOUND_TOPICS));
    const agent = rng.int(0, this.o.agents - 1);
    const escalation = this.agentEscalation[agent] + state.profile.escalationBias + (complaint ? 0.1 : 0);
    const outcome = rng.weighted<ContactOutcome>([
      ['resolved', complaint ? 0.45 : 0.7],
      ['transferred', 0.1],
      ['escalated', escalation],
      ['abandoned', direction === 'inbound' && (channel === 'phone' || channel === 'chat') ? 0.06 : 0.01],
      ['follow_up', complaint ? 0.15 : 0.08],
    ]);
    const [minDuration, maxDuration] = DURATION_BY_CHANNEL[channel];
    const durationSec = outcome === 'abandoned' ? rng.int(0, 45) : rng.int(minDuration, maxDuration);
    const contactId = `K-${state.num}-${++state.contactSeq}`;
    const data: EventDataByType['ContactLogged'] = {
      contactId,
      channel,
      direction,
      agentId: agentId(agent),
      teamId: teamId(agent % this.o.teams),
      durationSec,
      topic,
      outcome,
    };
    if (action.followUpOf !== undefined) data.followUpOf = action.followUpOf;
    if (rng.chance(0.85)) {
      const outcomeTone = { resolved: 0.2, transferred: -0.1, escalated: -0.35, abandoned: -0.4, follow_up: -0.05 }[outcome];
      data.sentiment = round2(clamp(state.mood * 2 - 1 + outcomeTone + (complaint ? -0.3 : 0) + 0.25 * rng.normal(), -1, 1));
    }
    const role: SourceRole = channel === 'phone' ? 'ivr' : channel === 'email' ? 'crm' : channel === 'in_person' ? 'pos' : 'chat';
    // Contacts that start a chain (complaints, follow-ups) are never the late ones.
    const { eventId, late } = this.emit(state, 'ContactLogged', data, ms, role, {
      lateEligible: !complaint && action.followUpOf === undefined,
      causationId: action.causationId,
    });
    if (!late) {
      if (outcome === 'follow_up' && rng.chance(0.8)) {
        schedule(state, {
          kind: 'contact',
          due: floorSecond(ms + rng.between(DAY, 5 * DAY)),
          direction: 'outbound',
          topic: FOLLOW_UP_TOPIC,
          followUpOf: contactId,
          causationId: eventId,
        });
      }
      if (!complaint && outcome !== 'abandoned' && rng.chance(0.12)) {
        const shift = outcome === 'resolved' ? 0.1 : -0.15;
        schedule(state, { kind: 'rating', due: floorSecond(ms + rng.between(5 * MINUTE, 90 * MINUTE)), context: 'contact', shift, agentId: agentId(agent), causationId: eventId });
      }
    }
    return ms + durationSec * SECOND;
  }

  private complaint(state: CustomerState, ms: number): void {
    const { rng, profile } = state;
    const channel: ContactChannel = rng.chance(0.7) ? state.channel : rng.weighted(CONTACT_CHANNEL_WEIGHTS);
    // Most complaints come in through a contact just before they are filed.
    const filedMs = rng.chance(0.7) ? floorSecond(this.contact(state, ms, { direction: 'inbound' }, true) + 30 * SECOND) : ms;
    const category = rng.weighted(COMPLAINT_CATEGORY_WEIGHTS);
    const severity = rng.weighted(COMPLAINT_SEVERITY_WEIGHTS);
    const complaintId = `CP-${state.num}-${++state.complaintSeq}`;
    const { eventId } = this.emit(
      state,
      'ComplaintFiled',
      { complaintId, category, severity, channel, ...(rng.chance(0.8) ? { description: rng.pick(COMPLAINT_DESCRIPTIONS[category]) } : {}) },
      filedMs,
      'complaints',
    );
    if (rng.chance(profile.unresolvedShare)) return; // never resolved
    const withinSla = rng.chance(profile.withinSlaShare);
    const sla = SLA_DAYS[severity] * DAY;
    const delay = withinSla ? rng.between(0.05 * sla, 0.95 * sla) : rng.between(1.1 * sla, 3 * sla + 2 * DAY);
    schedule(state, { kind: 'resolve', due: floorSecond(filedMs + delay), complaintId, withinSla, causationId: eventId });
  }

  private resolve(state: CustomerState, action: Extract<Action, { kind: 'resolve' }>): void {
    const { rng, profile } = state;
    const customerAccepted = rng.chance(action.withinSla ? profile.acceptShare : profile.acceptShare * 0.6);
    const data: EventDataByType['ComplaintResolved'] = { complaintId: action.complaintId, resolution: rng.pick(RESOLUTIONS), customerAccepted };
    // Some publishers leave the SLA verdict to the platform's policy.
    if (rng.chance(0.8)) data.withinSla = action.withinSla;
    if (rng.chance(0.8)) {
      const agent = rng.int(0, this.o.agents - 1);
      data.agentId = agentId(agent);
      data.teamId = teamId(agent % this.o.teams);
    }
    const { eventId } = this.emit(state, 'ComplaintResolved', data, action.due, 'complaints', {
      causationId: action.causationId,
      correlationId: action.causationId,
    });
    if (rng.chance(0.4)) {
      schedule(state, {
        kind: 'rating',
        due: floorSecond(action.due + rng.between(HOUR, 48 * HOUR)),
        context: 'complaint',
        shift: customerAccepted ? 0.15 : -0.3,
        causationId: eventId,
      });
    }
    // A refund after a complaint marked resolved: the trust violation of §3.
    const order = state.lastOrder;
    if (order !== undefined && order.amount > 0 && rng.chance(0.08)) {
      schedule(state, { kind: 'refund', due: floorSecond(action.due + rng.between(DAY, 10 * DAY)), orderId: order.orderId, amount: order.amount, causationId: eventId });
    }
  }

  private refund(state: CustomerState, action: Extract<Action, { kind: 'refund' }>): void {
    const { rng } = state;
    const amount = rng.chance(0.75) ? action.amount : Math.max(1, Math.round(action.amount * rng.between(0.2, 0.8)));
    this.emit(state, 'PurchaseRefunded', { orderId: action.orderId, amount, currency: state.currency, reason: rng.pick(REFUND_REASONS) }, action.due, 'pos', {
      causationId: action.causationId,
    });
  }

  private rate(state: CustomerState, action: Extract<Action, { kind: 'rating' }>): void {
    const { rng } = state;
    // A customer answers on its usual scale; a few surveys use the other one.
    const scale: RatingScale = rng.chance(0.05) ? (state.scale === 5 ? 7 : 5) : state.scale;
    const satisfaction = clamp(state.mood + action.shift + 0.15 * rng.normal(), 0, 1);
    const data: EventDataByType['SatisfactionRated'] = { score: 1 + Math.round(satisfaction * (scale - 1)), scale, context: action.context };
    if (action.context === 'survey' || rng.chance(0.5)) {
      data.recommendLikelihood = Math.round(clamp(satisfaction + 0.1 * rng.normal(), 0, 1) * 10);
    }
    if (action.agentId !== undefined) data.agentId = action.agentId;
    this.emit(state, 'SatisfactionRated', data, action.due, 'survey', {
      causationId: action.causationId,
      lateEligible: action.context === 'survey',
    });
  }

  private referral(state: CustomerState, ms: number): void {
    const { rng } = state;
    const data: EventDataByType['ReferralMade'] = {};
    if (this.o.customers > 1 && rng.chance(0.6)) {
      const other = (state.index + rng.int(1, this.o.customers - 1)) % this.o.customers;
      data.referredCustomerId = simulatedCustomerId(other, this.o.customerIdPrefix);
    }
    this.emit(state, 'ReferralMade', data, ms, 'crm', { lateEligible: true });
  }

  private decline(state: CustomerState, ms: number): void {
    const { rng } = state;
    this.emit(state, 'CompetitorOfferDeclined', { competitor: rng.pick(COMPETITORS), offerSummary: rng.pick(COMPETITOR_OFFERS) }, ms, 'ivr', {
      lateEligible: true,
    });
  }

  private end(state: CustomerState, ms: number, reason: ChurnReason): void {
    if (state.ended) return;
    const { rng } = state;
    const data: EventDataByType['RelationshipEnded'] = { reason };
    if (rng.chance(0.7)) data.note = rng.pick(CHURN_NOTES[reason]);
    this.emit(state, 'RelationshipEnded', data, ms, 'crm');
    state.ended = true;
    // Some lost customers come back: the win-back purchase of §2.
    if (reason !== 'lost_eligibility' && reason !== 'deliberate' && state.profile.maxPurchases > 0 && rng.chance(0.2)) {
      schedule(state, { kind: 'purchase', due: floorSecond(ms + rng.between(20 * DAY, 120 * DAY)), winBack: true });
    }
  }

  // ---- output -------------------------------------------------------------------------------

  private emit<T extends InteractionEventType>(
    state: CustomerState,
    type: T,
    data: EventDataByType[T],
    dueMs: number,
    role: SourceRole,
    options: { lateEligible?: boolean; causationId?: string; correlationId?: string } = {},
  ): { eventId: string; late: boolean } {
    const { rng } = state;
    const eventId = rng.uuid();
    const due = floorSecond(dueMs);
    let occurredMs = due;
    let late = false;
    this.lateDebt = Math.min(MAX_LATE_DEBT, this.lateDebt + this.o.lateShare);
    // A late event is logged now (its place in the stream) but happened before the customer's
    // latest event; a random draw against the accumulated share keeps the overall rate exact.
    if (options.lateEligible === true && state.firstMs >= 0 && state.lastMs - state.firstMs >= 10 * SECOND && rng.float() < this.lateDebt) {
      const earliest = Math.max(state.firstMs + SECOND, state.lastMs - MAX_LATENESS);
      occurredMs = floorSecond(rng.between(earliest, state.lastMs - SECOND));
      late = true;
      this.lateDebt -= 1;
    } else {
      if (state.firstMs < 0) state.firstMs = due;
      if (due > state.lastMs) state.lastMs = due;
    }
    const offset = rng.chance(0.3) ? null : state.offsetMinutes;
    const event = {
      eventId,
      type,
      schemaVersion: 1,
      customerId: state.id,
      occurredAt: formatInstant(occurredMs, offset),
      source: this.sourceByRole[role],
      ...(options.correlationId !== undefined ? { correlationId: options.correlationId } : {}),
      ...(options.causationId !== undefined ? { causationId: options.causationId } : {}),
      data,
    } as InteractionEvent;
    this.slots.push({ key: due, customer: state.index, event });
    return { eventId, late };
  }
}

// ---- helpers --------------------------------------------------------------------------------

function schedule(state: CustomerState, action: Action): void {
  const queue = state.queue;
  let i = queue.length;
  while (i > 0 && queue[i - 1].due > action.due) i--;
  queue.splice(i, 0, action);
}

function shuffled<T>(rng: SeededRandom, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
// `+ 0` turns -0 into 0 so the JSON reads "0", not a surprising "-0" after a round trip.
const round2 = (value: number) => Math.round(value * 100) / 100 + 0;
const floorSecond = (ms: number) => Math.floor(ms / SECOND) * SECOND;
const agentId = (index: number) => `A-${String(index + 1).padStart(3, '0')}`;
const teamId = (index: number) => `T-${String(index + 1).padStart(2, '0')}`;

/**
 * RFC 3339 with seconds: `null` gives `Z`, a number of minutes gives that local time and
 * offset (0 gives `+00:00`, so both spellings of UTC occur).
 */
export function formatInstant(ms: number, offsetMinutes: number | null): string {
  if (offsetMinutes === null) return new Date(ms).toISOString().slice(0, 19) + 'Z';
  const local = new Date(ms + offsetMinutes * MINUTE).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
