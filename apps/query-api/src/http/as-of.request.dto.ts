import { OffsetDateTimeField } from '@crm/contracts/edge';

/**
 * `?asOf=` of every query that evaluates time rules (view, timeline, population pass): an RFC 3339
 * date-time with seconds and an explicit offset (Z or ±hh:mm), calendar-checked — the rule of
 * `occurredAt`, with the same validator. A local time without offset would be read in the
 * server's zone, and forms ISO 8601 allows but Date cannot read (2026-W10, 2026-123, 20260314)
 * are refused with 400 instead of failing later.
 */
export function AsOfField(
  description = 'Evaluate the time-dependent rules (inactivity, SLA expiry, tenure) as of this instant; a past instant gives the state as it was then. Default: now.',
): PropertyDecorator {
  return OffsetDateTimeField({ optional: true, description: `${description} RFC 3339 with seconds and an offset (Z or ±hh:mm).`, example: '2026-06-30T23:59:59Z' });
}

export class AsOfRequestDto {
  @AsOfField()
  asOf?: string;
}

/** `?asOf=&knownAt=` of the customer view and timeline. */
export class CustomerViewRequestDto extends AsOfRequestDto {
  @OffsetDateTimeField({
    optional: true,
    description:
      'Bitemporal: use only the events the platform had recorded by this instant (their recordedAt), leaving out late events that arrived after it — what the view said at that time. Folded from the customer’s stream; the population segment is not bitemporal and is null. RFC 3339 with seconds and an offset.',
    example: '2026-11-24T17:00:00Z',
  })
  knownAt?: string;
}

/** The instant of a validated `asOf` (canonical UTC ISO form), or now. */
export const asOfInstant = (asOf: string | undefined): string => (asOf === undefined ? new Date() : new Date(asOf)).toISOString();
