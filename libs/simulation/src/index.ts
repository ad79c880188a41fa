// The only entry point of @crm/simulation (conventions.md: libs export through src/index.ts).
export {
  DEFAULT_AGENTS,
  DEFAULT_CUSTOMER_ID_PREFIX,
  DEFAULT_HISTORY_START,
  DEFAULT_LATE_SHARE,
  DEFAULT_TEAMS,
  formatInstant,
  generateHistory,
  simulatedCustomerId,
  type HistoryOptions,
} from './history-generator';
export { summarizeHistory, type HistorySummary } from './history-summary';
export { PERSONAS, PERSONA_PROFILES, type Persona, type PersonaProfile } from './personas';
export { DEFAULT_SOURCES, SOURCE_ROLES, type SourceRole } from './simulation-catalog';
export { SeededRandom, combineSeeds, hashString } from './seeded-random';
export * from './synthetic-population';
