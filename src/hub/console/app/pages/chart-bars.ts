// What the Board report's bar chart draws for one table and one dimension (pure, so it is tested in Node).

export interface ChartTable {
  rows: readonly string[];
}
export interface ChartBreakdown {
  groups: readonly { group: string; enrolled: number | null }[];
  cells: readonly (readonly { state: string; rate: number | null }[])[];
}

export interface ChartBars {
  /** One series per group with students, in the table's order; a rate per row, null where no bar is drawn. */
  series: { group: string; rates: (number | null)[] }[];
  /** Some cell of a charted group is suppressed (* or **), so some bar is missing on purpose. */
  suppressed: boolean;
  /** At least one bar has a height: otherwise the chart would be an empty frame. */
  drawable: boolean;
}

/**
 * Every row of the table is a category, every group with students a series, and a bar is drawn only for a rate
 * the table shows. The "all" row of a split table (the outcomes add up to it) is a category too: with a
 * threshold of 11 a school's outcome rows are often all suppressed while their total is not, and a chart of
 * the outcome rows alone then drew nothing above a table full of figures (the demo's first chart).
 */
export function chartBars(table: ChartTable, breakdown: ChartBreakdown): ChartBars {
  const groups = breakdown.groups
    .map((group, column) => ({ ...group, column }))
    .filter((group) => (group.enrolled ?? 0) > 0);
  const series = groups.map((group) => ({
    group: group.group,
    rates: table.rows.map((_, row) => {
      const cell = breakdown.cells[row]?.[group.column];
      return cell && cell.state === 'shown' ? cell.rate : null;
    }),
  }));
  const suppressed = groups.some((group) =>
    table.rows.some((_, row) => (breakdown.cells[row]?.[group.column]?.state ?? 'shown') !== 'shown'),
  );
  const drawable = series.some((entry) => entry.rates.some((rate) => rate !== null && rate > 0));
  return { series, suppressed, drawable };
}
