import { InteractionEventType, isInteractionEventType } from '../event-types';
import { CURRENT_SCHEMA_VERSIONS, DEFAULT_SCHEMA_VERSION } from './schema-versions';

/** A raw event (envelope and data) as it was published at some schema version. */
export type RawEvent = { [field: string]: unknown };

/**
 * Turns an event of version N of its type into version N + 1. It returns a new object (never
 * mutates), may rewrite any field (usually `data`), and need not set `schemaVersion`: the
 * chain sets it to N + 1.
 */
export type Upcaster = (event: RawEvent) => RawEvent;

/** Upcasters per type, keyed by the version they upcast FROM. */
export type UpcasterRegistry = { readonly [T in InteractionEventType]?: { readonly [fromVersion: number]: Upcaster } };

/**
 * The registry. Only v1 exists, so it is empty and upcast is the identity. Adding v2 of a type:
 * register `{ PurchaseMade: { 1: (e) => ({ ...e, data: { ...(e.data as object), channel: 'unknown' } }) } }`,
 * raise CURRENT_SCHEMA_VERSIONS.PurchaseMade to 2 and change the data DTO to the v2 shape
 * (see libs/contracts/README.md).
 */
export const UPCASTERS: UpcasterRegistry = Object.freeze({});

const isRecord = (value: unknown): value is RawEvent =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Upcasts `event` through `registry` to `currentVersions[type]`. Anything that is not an
 * event of a known type at a supported, older version comes back unchanged (the same
 * reference), so validation can report it. A missing step in the chain is a programming
 * error and throws.
 */
export function upcastWith(
  event: unknown,
  registry: UpcasterRegistry,
  currentVersions: Readonly<Record<InteractionEventType, number>>,
): unknown {
  if (!isRecord(event) || !isInteractionEventType(event.type)) return event;
  const type = event.type;
  const declared = event.schemaVersion === undefined ? DEFAULT_SCHEMA_VERSION : event.schemaVersion;
  if (typeof declared !== 'number' || !Number.isInteger(declared) || declared < 1) return event;
  const target = currentVersions[type];
  let current: RawEvent = event;
  for (let version = declared; version < target; version++) {
    const step = registry[type]?.[version];
    if (step === undefined) throw new Error(`No upcaster registered for ${type} v${version} -> v${version + 1}`);
    current = { ...step(current), schemaVersion: version + 1 };
  }
  return current;
}

/** Maps an event of an old schema version to the current one (identity while only v1 exists). */
export const upcast = (event: unknown): unknown => upcastWith(event, UPCASTERS, CURRENT_SCHEMA_VERSIONS);
