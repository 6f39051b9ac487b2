// The Board report's chart draws what its table shows: the split table's "all" row included, suppressed cells
// without a bar, groups without students left out, and no chart at all when nothing has a height.
import { describe, expect, it } from 'vitest';
import { chartBars } from '../../src/hub/console/app/pages/chart-bars';

const shown = (rate: number | null) => ({ state: 'shown', rate });
const primary = { state: 'primary', rate: null };
const complementary = { state: 'complementary', rate: null };

describe('chartBars', () => {
  // The demo's first table: every outcome row suppressed or zero, only the total shown.
  const table = { rows: ['all', 'consent', 'blocked'] };
  const breakdown = {
    groups: [
      { group: 'hispanic-latino', enrolled: 60 },
      { group: 'american-indian-alaska-native', enrolled: 0 },
      { group: 'black-african-american', enrolled: 20 },
      { group: 'white', enrolled: 40 },
      { group: 'not-in-roster', enrolled: null },
    ],
    cells: [
      [shown(333.3), shown(null), primary, shown(400), primary],
      [complementary, shown(null), primary, primary, shown(0)],
      [primary, shown(null), primary, primary, primary],
    ],
  };

  it('charts the all row, so a table whose outcome rows are all suppressed still has bars', () => {
    const bars = chartBars(table, breakdown);
    expect(bars.series).toEqual([
      { group: 'hispanic-latino', rates: [333.3, null, null] },
      { group: 'black-african-american', rates: [null, null, null] },
      { group: 'white', rates: [400, null, null] },
    ]);
    expect(bars.drawable).toBe(true);
    expect(bars.suppressed).toBe(true);
  });

  it('has nothing to draw when every charted rate is zero or hidden', () => {
    const bars = chartBars(
      { rows: ['consent'] },
      {
        groups: [
          { group: 'asian', enrolled: 4 },
          { group: 'white', enrolled: 40 },
        ],
        cells: [[shown(0), primary]],
      },
    );
    expect(bars.drawable).toBe(false);
    expect(bars.suppressed).toBe(true);
  });

  it('says nothing is suppressed when every charted cell is shown', () => {
    const bars = chartBars(
      { rows: ['arrest'] },
      { groups: [{ group: 'white', enrolled: 40 }], cells: [[shown(150)]] },
    );
    expect(bars).toEqual({ series: [{ group: 'white', rates: [150] }], suppressed: false, drawable: true });
  });
});
