/**
 * The UTC calendar day (YYYY-MM-DD) of an ISO 8601 instant, without constructing a Date
 * (the domain never touches the clock; this is plain arithmetic on Date.parse's epoch ms).
 */
const MS_PER_DAY = 86_400_000;

export function utcDayOf(isoInstant: string, offsetMinutes = 0): string {
  const ms = Date.parse(isoInstant);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO 8601 instant: ${JSON.stringify(isoInstant)}`);
  return civilFromDays(Math.floor((ms + offsetMinutes * 60_000) / MS_PER_DAY));
}

/** The ISO 8601 UTC instant (YYYY-MM-DDTHH:mm:ss.sssZ, as toISOString) of epoch milliseconds. */
export function isoInstantOf(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`not an instant: ${ms}`);
  const days = Math.floor(ms / MS_PER_DAY);
  let rest = ms - days * MS_PER_DAY;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = Math.round(rest - seconds * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${civilFromDays(days)}T${two(hours)}:${two(minutes)}:${two(seconds)}.${String(millis).padStart(3, '0')}Z`;
}

// Howard Hinnant's days_from_civil inverse: proleptic Gregorian date of a day count since 1970-01-01.
function civilFromDays(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
