import { utcDayOf } from './utc-day';

export interface StageTransition {
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
  total: number;
}

/** Transitions per UTC day and target stage, days ascending: the "flows" of the segments report. */
export function transitionsPerDay(transitions: Iterable<StageTransition>): TransitionsPerDayRow[] {
  const days = new Map<string, Map<string, number>>();
  for (const t of transitions) {
    const day = utcDayOf(t.occurredAt);
    let stages = days.get(day);
    if (!stages) days.set(day, (stages = new Map()));
    stages.set(t.to, (stages.get(t.to) ?? 0) + 1);
  }
  return [...days.keys()].sort().map((day) => {
    const stages = days.get(day) as Map<string, number>;
    const byStage: Record<string, number> = {};
    let total = 0;
    for (const stage of [...stages.keys()].sort()) {
      byStage[stage] = stages.get(stage) as number;
      total += byStage[stage];
    }
    return { day, byStage, total };
  });
}
