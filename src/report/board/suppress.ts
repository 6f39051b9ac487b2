// Small-cell suppression for the Board report. Primary: a count from 1 to threshold − 1 is not shown.
// Complementary: the report also shows each row's all-students total and, for tables whose rows split a total
// row (outcomes of all accesses), that total row; so a row or column holding exactly one hidden cell would give
// it away by subtraction. Until no such line is left, one more cell of each such line is hidden: the smallest
// count above zero, else a zero the reader cannot tell is zero.

export interface SuppressionGrid {
  /** counts[row][column]. */
  counts: readonly (readonly number[])[];
  /** When set, rows 1.. sum to row `totalRow` in every column (the table splits that row). */
  totalRow?: number;
}

export type CellState = 'shown' | 'primary' | 'complementary';

export function suppress(grid: SuppressionGrid, threshold: number): CellState[][] {
  const state: CellState[][] = grid.counts.map((row) =>
    row.map((count) => (count > 0 && count < threshold ? 'primary' : 'shown')),
  );
  const rows = grid.counts.length;
  const columns = grid.counts[0]?.length ?? 0;
  // Each line is a set of cells whose sum the reader knows (a row: its shown total; a column of a split table:
  // the total row's cell is one of the line's own cells, so the line is total − Σ parts = 0).
  const lines: [number, number][][] = [];
  for (let row = 0; row < rows; row++) {
    lines.push(Array.from({ length: columns }, (_, column) => [row, column] as [number, number]));
  }
  if (grid.totalRow !== undefined) {
    for (let column = 0; column < columns; column++) {
      lines.push(Array.from({ length: rows }, (_, row) => [row, column] as [number, number]));
    }
  }
  const count = (row: number, column: number): number => grid.counts[row]?.[column] ?? 0;
  const hidden = (row: number, column: number): boolean => state[row]?.[column] !== 'shown';
  // A zero covers nothing where the reader can tell it is zero: in a split table, a column whose total-row
  // count is zero has only zeros (counts are never negative), and a zero total-row cell is the sum of zeros.
  const eligible = (row: number, column: number): boolean => {
    if (count(row, column) > 0 || grid.totalRow === undefined) return true;
    return row !== grid.totalRow && count(grid.totalRow, column) > 0;
  };
  // Each pass hides at least one more cell, so this ends within rows × columns passes.
  for (let pass = 0; pass <= rows * columns; pass++) {
    let changed = false;
    for (const line of lines) {
      if (line.filter(([row, column]) => hidden(row, column)).length !== 1) continue;
      const candidates = line.filter(([row, column]) => !hidden(row, column) && eligible(row, column));
      if (candidates.length === 0) continue;
      // Smallest count above zero first (a part before the total row, whose cell hides a whole column's sum),
      // then zeros; ties by position, so the result does not depend on anything but the grid.
      const rank = ([row, column]: [number, number]): number[] => {
        const value = count(row, column);
        return [value > 0 ? 0 : 1, row === grid.totalRow ? 1 : 0, value, row * columns + column];
      };
      const best = [...candidates].sort((a, b) => {
        const [ra, rb] = [rank(a), rank(b)];
        for (let index = 0; index < ra.length; index++) {
          const difference = (ra[index] ?? 0) - (rb[index] ?? 0);
          if (difference !== 0) return difference;
        }
        return 0;
      })[0] as [number, number];
      const stateRow = state[best[0]];
      if (stateRow) stateRow[best[1]] = 'complementary';
      changed = true;
    }
    if (!changed) break;
  }
  return state;
}
