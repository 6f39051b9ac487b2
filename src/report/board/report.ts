// The Board's disaggregated report on SROs (issue 14), computed from counted facts: what each event, exception
// request and interaction says (its signature) with the roster groups of its student and how many share both.
// The hub's SQL does the counting (GROUP BY signature and groups); everything the report means is decided here,
// in one place, so a hand-computed fixture can check it and SQL cannot drift from it.
import { z } from 'zod';
import { CATEGORIES, CalendarDateSchema } from '../../policy/vocabulary';
import { INTERACTION_TYPES } from './interaction';
import { DIMENSION_IDS, DIMENSIONS, DimensionSchema, type Dimension } from './roster';
import { suppress, type CellState } from './suppress';

export const EMERGENCY_BASIS = 'health-safety-emergency';
export const CONSENT_BASIS = 'written-consent';
export const NOT_IN_ROSTER = 'not-in-roster';

/** What one event says, as far as the report cares. */
export interface EventSignature {
  source: 'event';
  type: string;
  outcome?: string | null;
  action?: string | null;
  basis?: string | null;
  /** Kinds and bases of every coverage relied on, in order (events before the coverage field: none). */
  coverage?: readonly { kind: string; basis: string }[] | null;
  categories: readonly string[];
  interactionType?: string | null;
}
export interface RequestSignature {
  source: 'request';
  status: string;
}
export interface InteractionSignature {
  source: 'interaction';
  interactionType: string;
}
export type Signature = EventSignature | RequestSignature | InteractionSignature;

export interface FactCount {
  signature: Signature;
  /** The student's groups in the roster version used; null when the student is not in it (or none is named). */
  groups: Readonly<Record<Dimension, string>> | null;
  count: number;
}

export interface EnrolmentCount {
  groups: Readonly<Record<Dimension, string>>;
  count: number;
}

export const TABLE_IDS = [
  'access',
  'access-basis',
  'access-category',
  'exports',
  'requests',
  'immigration',
  'interactions',
] as const;
export type TableId = (typeof TABLE_IDS)[number];

/** Fixed rows of each table; the first is the total the others split, where `split` says so. */
const FIXED_ROWS: Record<TableId, { rows: readonly string[]; split: boolean }> = {
  access: {
    rows: ['all', 'consent', 'approved-exception', 'emergency', 'other-immediate', 'blocked'],
    split: true,
  },
  'access-basis': { rows: [], split: false },
  'access-category': { rows: CATEGORIES, split: false },
  exports: { rows: ['attempted', 'allowed', 'blocked'], split: true },
  requests: { rows: ['filed', 'approved', 'denied', 'pending', 'withdrawn'], split: true },
  immigration: { rows: ['all', 'blocked', 'redacted'], split: true },
  interactions: { rows: ['all', ...INTERACTION_TYPES], split: true },
};

const ACCESS_ACTIONS = new Set(['view', 'print', 'copy']);
const SHOWN = new Set(['allow', 'redact']);

/** Which table rows one fact counts in (a cell may count one event in several rows of a non-split table). */
export function classify(signature: Signature): [TableId, string][] {
  if (signature.source === 'request')
    return [
      ['requests', 'filed'],
      ['requests', signature.status],
    ];
  if (signature.source === 'interaction') {
    return [
      ['interactions', 'all'],
      ['interactions', signature.interactionType],
    ];
  }
  const out: [TableId, string][] = [];
  const { type, outcome, action } = signature;
  if (type === 'interaction' && signature.interactionType) {
    return [
      ['interactions', 'all'],
      ['interactions', signature.interactionType],
    ];
  }
  if (type !== 'decision' && type !== 'export-blocked') return out;
  const shown = type === 'decision' && SHOWN.has(outcome ?? '');
  if (type === 'export-blocked' || action === 'export') {
    out.push(['exports', 'attempted'], ['exports', shown ? 'allowed' : 'blocked']);
  } else if (ACCESS_ACTIONS.has(action ?? '')) {
    const coverage = signature.coverage ?? [];
    const first = coverage[0] ?? (signature.basis ? { kind: '', basis: signature.basis } : undefined);
    let kind = 'blocked';
    if (shown) {
      if (first?.kind === 'consent' || (first?.kind === '' && first.basis === CONSENT_BASIS))
        kind = 'consent';
      else if (first?.kind === 'request') kind = 'approved-exception';
      else if (first?.basis === EMERGENCY_BASIS) kind = 'emergency';
      else kind = 'other-immediate';
    }
    out.push(['access', 'all'], ['access', kind]);
    if (shown) {
      const bases = new Set(coverage.map((entry) => entry.basis));
      if (bases.size === 0 && signature.basis) bases.add(signature.basis);
      if (bases.size === 0) bases.add('none');
      for (const basis of bases) out.push(['access-basis', basis]);
    }
    for (const category of new Set(signature.categories)) out.push(['access-category', category]);
  }
  if (signature.categories.includes('immigration')) {
    if (outcome === 'block' || type === 'export-blocked')
      out.push(['immigration', 'all'], ['immigration', 'blocked']);
    else if (outcome === 'redact') out.push(['immigration', 'all'], ['immigration', 'redacted']);
  }
  return out;
}

export class ReportInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The report's query: a period (dates in the district's zone, both included), schools, reference groups. */
export const ReportQuerySchema = z
  .strictObject({
    from: CalendarDateSchema,
    to: CalendarDateSchema,
    /** School codes, comma-separated; none means every school. */
    schools: z
      .string()
      .max(2000)
      .optional()
      .transform((value) =>
        value
          ? [
              ...new Set(
                value
                  .split(',')
                  .map((code) => code.trim())
                  .filter(Boolean),
              ),
            ]
          : [],
      ),
    /** `dimension:group` pairs, comma-separated, e.g. `race-ethnicity:white`; others default to the largest group. */
    reference: z
      .string()
      .max(1000)
      .optional()
      .transform((value, ctx) => {
        const out: Partial<Record<Dimension, string>> = {};
        for (const pair of (value ?? '').split(',').filter((item) => item.trim() !== '')) {
          const [dimension, group] = pair.split(':').map((part) => part.trim());
          const parsed = DimensionSchema.safeParse(dimension);
          if (!parsed.success || !group || !(DIMENSIONS[parsed.data] as readonly string[]).includes(group)) {
            ctx.addIssue({
              code: 'custom',
              message: `"${pair.slice(0, 80)}" is not dimension:group (dimensions: ${DIMENSION_IDS.join(', ')})`,
            });
            return z.NEVER;
          }
          out[parsed.data] = group;
        }
        return out;
      }),
    lang: z.enum(['en', 'es']).default('en'),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .superRefine((query, ctx) => {
    if (query.to < query.from) ctx.addIssue({ code: 'custom', path: ['to'], message: 'is before from' });
  });
export type ReportQuery = z.infer<typeof ReportQuerySchema>;

export interface Cell {
  /** null when suppressed. */
  count: number | null;
  state: CellState;
  /** Per 1,000 enrolled in the group (one decimal); null when suppressed or the group has no enrolment. */
  rate: number | null;
  /** Relative rate index: the group's rate over the reference group's (two decimals). */
  rri: number | null;
}

export interface Breakdown {
  dimension: Dimension;
  reference: string;
  groups: { group: string; enrolled: number | null }[];
  /** cells[row][group], rows as the table's `rows`. */
  cells: Cell[][];
}

export interface ReportTable {
  id: TableId;
  rows: string[];
  /** Rows 1.. split row 0. */
  split: boolean;
  /** All students: never suppressed (a district-wide count names no group). */
  all: { count: number; rate: number | null }[];
  breakdowns: Breakdown[];
}

export interface BoardReport {
  period: { from: string; to: string };
  schools: string[];
  threshold: number;
  roster: { effectiveOn: string; students: number };
  enrolled: number;
  requestTiming: {
    decided: number;
    approved: number;
    approvalRate: number | null;
    medianHours: number | null;
  };
  tables: ReportTable[];
}

export interface BoardReportInput {
  period: { from: string; to: string };
  schools: string[];
  threshold: number;
  reference: Partial<Record<Dimension, string>>;
  dimensions?: readonly Dimension[];
  roster: { effectiveOn: string };
  enrolment: readonly EnrolmentCount[];
  facts: readonly FactCount[];
  requestTiming: { decided: number; approved: number; medianHours: number | null };
}

const round = (value: number, digits: number): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};
const ratePer1000 = (count: number, enrolled: number | null): number | null =>
  enrolled ? round((count * 1000) / enrolled, 1) : null;

export function computeBoardReport(input: BoardReportInput): BoardReport {
  if (input.period.to < input.period.from) throw new ReportInputError('to', 'is before from');
  const dimensions = input.dimensions ?? DIMENSION_IDS;
  const enrolledIn = (dimension: Dimension, group: string): number =>
    input.enrolment.reduce((sum, entry) => sum + (entry.groups[dimension] === group ? entry.count : 0), 0);
  const enrolled = input.enrolment.reduce((sum, entry) => sum + entry.count, 0);
  if (enrolled === 0)
    throw new ReportInputError('roster', 'the roster in force has no students for these schools');

  const references = {} as Record<Dimension, string>;
  for (const dimension of dimensions) {
    const chosen = input.reference[dimension];
    if (chosen !== undefined) {
      if (enrolledIn(dimension, chosen) === 0) {
        throw new ReportInputError(
          `reference.${dimension}`,
          `the roster in force (${input.roster.effectiveOn}) has no students in the reference group "${chosen}"`,
        );
      }
      references[dimension] = chosen;
    } else {
      // Not chosen: the largest group (first in code order on a tie), the usual comparison group.
      const groups = DIMENSIONS[dimension] as readonly string[];
      references[dimension] = groups.reduce((best, group) =>
        enrolledIn(dimension, group) > enrolledIn(dimension, best) ? group : best,
      );
    }
  }

  // Rows of the basis table: every basis some fact relied on, in name order ("none" last).
  const basisRows = new Set<string>();
  const counted = input.facts.map((fact) => ({ fact, rows: classify(fact.signature) }));
  for (const { rows } of counted)
    for (const [table, row] of rows) if (table === 'access-basis') basisRows.add(row);
  const rowsOf = (table: TableId): string[] =>
    table === 'access-basis'
      ? [...basisRows].sort((a, b) => (a === 'none' ? 1 : b === 'none' ? -1 : a.localeCompare(b)))
      : [...FIXED_ROWS[table].rows];

  const tables: ReportTable[] = TABLE_IDS.map((id) => {
    const rows = rowsOf(id);
    const rowIndex = new Map(rows.map((row, index) => [row, index]));
    const all = rows.map(() => 0);
    const byGroup = new Map<Dimension, Map<string, number[]>>();
    for (const dimension of dimensions) {
      byGroup.set(
        dimension,
        new Map([...DIMENSIONS[dimension], NOT_IN_ROSTER].map((group) => [group, rows.map(() => 0)])),
      );
    }
    for (const { fact, rows: hits } of counted) {
      for (const [table, row] of hits) {
        if (table !== id) continue;
        const index = rowIndex.get(row);
        if (index === undefined) continue;
        all[index] = (all[index] ?? 0) + fact.count;
        for (const dimension of dimensions) {
          const group = fact.groups?.[dimension] ?? NOT_IN_ROSTER;
          const counts = byGroup.get(dimension)?.get(group);
          if (counts) counts[index] = (counts[index] ?? 0) + fact.count;
        }
      }
    }
    const split = FIXED_ROWS[id].split;
    const breakdowns: Breakdown[] = dimensions.map((dimension) => {
      const columns = [...DIMENSIONS[dimension], NOT_IN_ROSTER];
      const groupCounts = byGroup.get(dimension) as Map<string, number[]>;
      const grid = rows.map((_, row) => columns.map((group) => groupCounts.get(group)?.[row] ?? 0));
      const states = suppress({ counts: grid, ...(split ? { totalRow: 0 } : {}) }, input.threshold);
      const groups = columns.map((group) => ({
        group,
        enrolled: group === NOT_IN_ROSTER ? null : enrolledIn(dimension, group),
      }));
      const referenceColumn = columns.indexOf(references[dimension]);
      const cells = grid.map((line, row) => {
        const referenceState = states[row]?.[referenceColumn];
        const referenceEnrolled = groups[referenceColumn]?.enrolled ?? 0;
        // Unrounded: the index is a ratio of the exact rates, not of the one-decimal figures shown.
        const referenceRate =
          referenceState === 'shown' && referenceEnrolled > 0
            ? (line[referenceColumn] ?? 0) / referenceEnrolled
            : 0;
        return line.map((count, column): Cell => {
          const state = states[row]?.[column] ?? 'shown';
          if (state !== 'shown') return { count: null, state, rate: null, rri: null };
          const groupEnrolled = groups[column]?.enrolled ?? null;
          const rate = ratePer1000(count, groupEnrolled);
          const rri =
            groupEnrolled && referenceRate > 0 ? round(count / groupEnrolled / referenceRate, 2) : null;
          return { count, state, rate, rri };
        });
      });
      return { dimension, reference: references[dimension], groups, cells };
    });
    return {
      id,
      rows,
      split,
      all: all.map((count) => ({ count, rate: ratePer1000(count, enrolled) })),
      breakdowns,
    };
  });

  const timing = input.requestTiming;
  return {
    period: input.period,
    schools: input.schools,
    threshold: input.threshold,
    roster: { effectiveOn: input.roster.effectiveOn, students: enrolled },
    enrolled,
    requestTiming: {
      ...timing,
      approvalRate: timing.decided > 0 ? round(timing.approved / timing.decided, 3) : null,
      medianHours: timing.medianHours === null ? null : round(timing.medianHours, 1),
    },
    tables,
  };
}
