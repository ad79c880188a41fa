import { utcDayOf } from './utc-day';

export interface StageTransition {
  /** The stage left (null: the customer's first stage). */
  from?: string | null;
  /** The stage entered. */
  to: string;
  /** ISO 8601 instant of the causing event. */
  occurredAt: string;
}

export interface TransitionsPerDayRow {
  /** UTC date YYYY-MM-DD. */
  day: string;
  /** Transitions entering each stage that day (keys sorted). */
  byStage: Record<string, number>;
  /** The same transitions by flow, `<from>→<to>` (`new→awareness` for a first stage; keys sorted). */
  byFlow: Record<string, number>;
  total: number;
}

/** Transitions per UTC day and target stage, days ascending: the "flows" of the segments report. */
export function transitionsPerDay(transitions: Iterable<StageTransition>): TransitionsPerDayRow[] {
  const days = new Map<string, { stages: Map<string, number>; flows: Map<string, number> }>();
  for (const t of transitions) {
    const day = utcDayOf(t.occurredAt);
    let counts = days.get(day);
    if (!counts) days.set(day, (counts = { stages: new Map(), flows: new Map() }));
    counts.stages.set(t.to, (counts.stages.get(t.to) ?? 0) + 1);
    const flow = `${t.from ?? 'new'}→${t.to}`;
    counts.flows.set(flow, (counts.flows.get(flow) ?? 0) + 1);
  }
  const sorted = (counts: Map<string, number>) => Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return [...days.keys()].sort().map((day) => {
    const { stages, flows } = days.get(day)!;
    const byStage = sorted(stages);
    return { day, byStage, byFlow: sorted(flows), total: Object.values(byStage).reduce((n, c) => n + c, 0) };
  });
}
