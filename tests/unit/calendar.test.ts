// Calendar helpers: consent dates and ages are counted in the district's time zone, never the machine's.
import { describe, expect, it } from 'vitest';
import {
  addMinutes,
  ageOn,
  birthdayOfAge,
  localDate,
  minutesBetween,
  nextDate,
  startOfLocalDate,
} from '../../src/decide/calendar';

describe('localDate', () => {
  it.each([
    { instant: '2026-07-01T06:00:00Z', zone: 'America/Los_Angeles', date: '2026-06-30' },
    { instant: '2026-07-01T06:59:59Z', zone: 'America/Los_Angeles', date: '2026-06-30' },
    { instant: '2026-07-01T07:00:00Z', zone: 'America/Los_Angeles', date: '2026-07-01' },
    // Winter: Pacific Standard Time is UTC-8, so midnight is 08:00Z.
    { instant: '2026-01-01T07:59:00Z', zone: 'America/Los_Angeles', date: '2025-12-31' },
    { instant: '2026-01-01T08:00:00Z', zone: 'America/Los_Angeles', date: '2026-01-01' },
    // The day daylight saving time starts (2026-03-08, 02:00 → 03:00).
    { instant: '2026-03-08T07:59:00Z', zone: 'America/Los_Angeles', date: '2026-03-07' },
    { instant: '2026-03-08T10:30:00Z', zone: 'America/Los_Angeles', date: '2026-03-08' },
    { instant: '2026-11-27T10:00:00-08:00', zone: 'America/Los_Angeles', date: '2026-11-27' },
    { instant: '2026-11-28T02:59:00-05:00', zone: 'America/Los_Angeles', date: '2026-11-27' },
    { instant: '2026-11-27T23:30:00-08:00', zone: 'UTC', date: '2026-11-28' },
    { instant: '2026-11-27T23:30:00Z', zone: 'Pacific/Kiritimati', date: '2026-11-28' },
    { instant: '2024-02-29T12:00:00Z', zone: 'America/Los_Angeles', date: '2024-02-29' },
  ])('$instant in $zone is $date', ({ instant, zone, date }) => {
    expect(localDate(instant, zone)).toBe(date);
  });
});

describe('ageOn', () => {
  it.each([
    { birth: '2008-11-27', on: '2026-11-26', age: 17 },
    { birth: '2008-11-27', on: '2026-11-27', age: 18 },
    { birth: '2008-11-27', on: '2026-12-01', age: 18 },
    { birth: '2008-12-01', on: '2026-11-30', age: 17 },
    { birth: '2008-01-31', on: '2026-02-01', age: 18 },
    // Born on Feb 29: in a common year the birthday is counted on Mar 1.
    { birth: '2008-02-29', on: '2026-02-28', age: 17 },
    { birth: '2008-02-29', on: '2026-03-01', age: 18 },
    { birth: '2004-02-29', on: '2022-02-28', age: 17 },
    // In a leap year it is Feb 29 itself.
    { birth: '2004-02-29', on: '2024-02-28', age: 19 },
    { birth: '2004-02-29', on: '2024-02-29', age: 20 },
    { birth: '2011-04-02', on: '2026-11-27', age: 15 },
    { birth: '2026-11-27', on: '2026-11-27', age: 0 },
  ])('born $birth: $age on $on', ({ birth, on, age }) => {
    expect(ageOn(birth, on)).toBe(age);
  });
});

describe('minutesBetween and addMinutes', () => {
  it.each([
    { from: '2026-11-27T09:00:00-08:00', to: '2026-11-27T10:30:00-08:00', minutes: 90 },
    { from: '2026-11-27T17:00:00Z', to: '2026-11-27T09:00:00-08:00', minutes: 0 },
    { from: '2026-11-27T10:00:00-08:00', to: '2026-11-27T09:45:00-08:00', minutes: -15 },
    { from: '2026-03-07T12:00:00-08:00', to: '2026-03-08T12:00:00-07:00', minutes: 23 * 60 },
  ])('$from → $to is $minutes minutes', ({ from, to, minutes }) => {
    expect(minutesBetween(from, to)).toBe(minutes);
  });

  it('addMinutes gives a UTC instant and round-trips with minutesBetween', () => {
    expect(addMinutes('2026-11-27T09:45:00-08:00', 30)).toBe('2026-11-27T18:15:00.000Z');
    expect(addMinutes('2026-11-25T09:00:00-08:00', 4320)).toBe('2026-11-28T17:00:00.000Z');
    const start = '2026-06-30T23:10:00-07:00';
    expect(minutesBetween(start, addMinutes(start, 527040))).toBe(527040);
  });
});

describe('startOfLocalDate: when a calendar date begins in a time zone', () => {
  it.each([
    { date: '2026-11-28', zone: 'America/Los_Angeles', start: '2026-11-28T08:00:00.000Z' },
    { date: '2026-07-01', zone: 'America/Los_Angeles', start: '2026-07-01T07:00:00.000Z' },
    // The days daylight time starts and ends: midnight is still before the 2 a.m. change.
    { date: '2026-03-08', zone: 'America/Los_Angeles', start: '2026-03-08T08:00:00.000Z' },
    { date: '2026-03-09', zone: 'America/Los_Angeles', start: '2026-03-09T07:00:00.000Z' },
    { date: '2026-11-01', zone: 'America/Los_Angeles', start: '2026-11-01T07:00:00.000Z' },
    { date: '2026-11-02', zone: 'America/Los_Angeles', start: '2026-11-02T08:00:00.000Z' },
    { date: '2026-11-28', zone: 'UTC', start: '2026-11-28T00:00:00.000Z' },
    { date: '2026-11-28', zone: 'Pacific/Honolulu', start: '2026-11-28T10:00:00.000Z' },
  ])('$date in $zone starts at $start', ({ date, zone, start }) => {
    expect(startOfLocalDate(date, zone)).toBe(start);
    expect(localDate(start, zone)).toBe(date);
    expect(localDate(new Date(Date.parse(start) - 1).toISOString(), zone)).not.toBe(date);
  });

  it('nextDate and birthdayOfAge cross months, years and Feb 29', () => {
    expect(nextDate('2026-12-31')).toBe('2027-01-01');
    expect(nextDate('2028-02-28')).toBe('2028-02-29');
    expect(birthdayOfAge('2008-02-29', 18)).toBe('2026-03-01');
    expect(birthdayOfAge('2008-02-29', 20)).toBe('2028-02-29');
    expect(birthdayOfAge('2011-04-02', 18)).toBe('2029-04-02');
  });
});

describe('startOfLocalDate where daylight time skips midnight', () => {
  // Chile (America/Santiago) moved its clocks from 24:00 to 01:00 on 2026-09-06: that day began at 01:00.
  it('a day that starts at 01:00 starts when the clocks jump, and the day before is whole', () => {
    const start = startOfLocalDate('2026-09-06', 'America/Santiago');
    expect(localDate(start, 'America/Santiago')).toBe('2026-09-06');
    expect(localDate(new Date(Date.parse(start) - 1).toISOString(), 'America/Santiago')).toBe('2026-09-05');
    expect(start).toBe('2026-09-06T04:00:00.000Z');
  });
});
