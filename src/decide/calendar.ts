/** Formatters by time zone: building one costs far more than using it, and decide() asks for dates often. */
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const clockFormats = new Map<string, Intl.DateTimeFormat>();

function cachedFormat(
  cache: Map<string, Intl.DateTimeFormat>,
  timeZone: string,
  make: () => Intl.DateTimeFormat,
): Intl.DateTimeFormat {
  let format = cache.get(timeZone);
  if (!format) cache.set(timeZone, (format = make()));
  return format;
}

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(instant: string, timeZone: string): string {
  const format = cachedFormat(
    dateFormats,
    timeZone,
    () => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }),
  );
  const parts = format.formatToParts(new Date(instant));
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** Whole years between a birth date and a date, both YYYY-MM-DD (a birthday on Feb 29 counts on Mar 1). */
export function ageOn(birthDate: string, onDate: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = onDate.split('-').map(Number) as [number, number, number];
  let age = y - by;
  if (m < bm || (m === bm && d < bd)) age -= 1;
  return age;
}

export function minutesBetween(from: string, to: string): number {
  return (Date.parse(to) - Date.parse(from)) / 60_000;
}

export function addMinutes(instant: string, minutes: number): string {
  return new Date(Date.parse(instant) + minutes * 60_000).toISOString();
}

/** Offset of a time zone from UTC at an instant, in minutes (e.g. -480 for California in winter). */
function zoneOffsetMinutes(epochMs: number, timeZone: string): number {
  const format = cachedFormat(
    clockFormats,
    timeZone,
    () =>
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      }),
  );
  const parts = format.formatToParts(new Date(epochMs));
  const part = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return Math.round((asUtc - Math.floor(epochMs / 1000) * 1000) / 60_000);
}

/**
 * The instant (ISO, UTC) at which a calendar date (YYYY-MM-DD) begins in a time zone: midnight, or the first
 * moment of the day where a daylight-saving change skips midnight (Chile, Paraguay). The zone's offset is
 * looked up before and after the change that may fall near midnight; the earliest candidate that is on the date
 * wins.
 */
export function startOfLocalDate(date: string, timeZone: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const midnightAsUtc = Date.UTC(y, m - 1, d);
  const candidates = [-36, 0, 36].map(
    (hours) => midnightAsUtc - zoneOffsetMinutes(midnightAsUtc + hours * 3_600_000, timeZone) * 60_000,
  );
  const onDate = candidates
    .filter((instant) => localDate(new Date(instant).toISOString(), timeZone) === date)
    .sort((a, b) => a - b);
  // Where midnight is skipped, the day begins when the clocks jump: the offset before it, an hour later.
  const start =
    onDate[0] ??
    Math.min(
      ...candidates.filter(
        (instant) => localDate(new Date(instant + 3_600_000).toISOString(), timeZone) === date,
      ),
    );
  return new Date(start).toISOString();
}

/** The calendar date after a YYYY-MM-DD date. */
export function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** The date on which someone born on birthDate turns `years` (a Feb 29 birthday counts on Mar 1, as ageOn). */
export function birthdayOfAge(birthDate: string, years: number): string {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y + years, m - 1, d)).toISOString().slice(0, 10);
}
