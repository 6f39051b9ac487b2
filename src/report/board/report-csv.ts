// The Board report as CSV (formula-safe through report/csv.ts): one line per table row and group, the
// all-students lines first. Suppressed cells are empty with a marker, so a spreadsheet never shows a number
// the page hides.
import { toCsv, type CsvValue } from '../csv';
import type { BoardReport } from './report';
import { DIMENSION_LABELS, GROUP_LABELS, label, ROW_LABELS, TABLE_TITLES, type Lang } from './texts';

export const REPORT_CSV_HEADER = [
  'table',
  'table_title',
  'row',
  'row_label',
  'dimension',
  'group',
  'group_label',
  'reference',
  'enrolled',
  'count',
  'rate_per_1000',
  'rri',
  'suppressed',
] as const;

export function boardReportCsv(report: BoardReport, lang: Lang): string {
  const lines: CsvValue[][] = [[...REPORT_CSV_HEADER]];
  for (const table of report.tables) {
    const title = label(TABLE_TITLES, table.id, lang);
    table.rows.forEach((row, index) => {
      const all = table.all[index];
      lines.push([
        table.id,
        title,
        row,
        label(ROW_LABELS, row, lang),
        'all',
        'all',
        lang === 'es' ? 'Todos los estudiantes' : 'All students',
        '',
        report.enrolled,
        all?.count,
        all?.rate,
        '',
        '',
      ]);
    });
    for (const breakdown of table.breakdowns) {
      table.rows.forEach((row, index) => {
        breakdown.groups.forEach((group, column) => {
          const cell = breakdown.cells[index]?.[column];
          lines.push([
            table.id,
            title,
            row,
            label(ROW_LABELS, row, lang),
            breakdown.dimension,
            group.group,
            `${label(GROUP_LABELS, group.group, lang)} (${DIMENSION_LABELS[breakdown.dimension][lang]})`,
            group.group === breakdown.reference ? 'yes' : '',
            group.enrolled,
            cell?.count,
            cell?.rate,
            cell?.rri,
            cell && cell.state !== 'shown' ? cell.state : '',
          ]);
        });
      });
    }
  }
  return toCsv(lines, { bom: true });
}
