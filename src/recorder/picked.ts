// What the picking script (src/recorder/pick.ts) hands back from the SIS tab: validated with zod before the
// recorder uses it, since it is read off a page the extension does not control. The picking script itself
// cannot import this (it is injected as one self-contained function), so its types come from here.
import { z } from 'zod';

/** Rows and cells of a label cell's table the recorder reads; a longer table is not described. */
export const MAX_SNAPSHOT_ROWS = 400;
export const MAX_SNAPSHOT_CELLS = 60;

/**
 * One cell of the picked label's table, reduced to what the label-cell rules read (src/sis/label-cells.ts):
 * its kind, spans and whether it ends in ":", plus how it looks (class and boldness), to tell a row of labels
 * from a row of label/value pairs. No cell text leaves the page other than the picked label's own.
 */
export const SnapshotCellSchema = z.strictObject({
  th: z.boolean(),
  colspan: z.number().int().min(1).max(100),
  rowspan: z.number().int().min(1).max(100),
  /** `scope="row"`: a row header. */
  rowHeader: z.boolean(),
  /** Its text ends in ":" (a label wherever it is, under the next-cell rule). */
  colon: z.boolean(),
  /** Its text is empty (an input's cell, a spacer). */
  empty: z.boolean(),
  /** Class and font weight, compared between neighbours: labels look alike, values look different. */
  look: z.string().max(300),
});
export type SnapshotCell = z.infer<typeof SnapshotCellSchema>;

export const SnapshotRowSchema = z.strictObject({
  /** In the table's <thead>. */
  head: z.boolean(),
  cells: z.array(SnapshotCellSchema).max(MAX_SNAPSHOT_CELLS),
});

/**
 * The table around a picked label cell: its rows from the first down to the row below the label (the label
 * rules pair rows from the top of a table), and a selector that matches that table alone where one is stable.
 */
export const CellSnapshotSchema = z
  .strictObject({
    /** `#id` or `table.class…` matching this table alone on the page; absent where none is stable. */
    table: z.string().min(1).max(300).optional(),
    row: z.number().int().min(0),
    cell: z.number().int().min(0),
    rows: z.array(SnapshotRowSchema).min(1).max(MAX_SNAPSHOT_ROWS),
  })
  .refine((snapshot) => (snapshot.rows[snapshot.row]?.cells.length ?? 0) > snapshot.cell, {
    message: 'the picked cell is not in the rows described',
    path: ['cell'],
  });
export type CellSnapshot = z.infer<typeof CellSnapshotSchema>;

export const PickedElementSchema = z.strictObject({
  /** A CSS selector that matches the picked element alone on this page. */
  selector: z.string().min(1).max(10_000),
  /** Its text, white space collapsed, at most 200 characters. */
  text: z.string().max(200),
  tag: z.string().min(1).max(200),
  /** Attributes that often carry a login, a code or a field name. */
  attributes: z.record(z.string().max(100), z.string().max(200)),
  /** The page's URL when it was picked. */
  url: z.url().max(20_000),
  /** The tab's title, for section and title rules. */
  title: z.string().max(200),
  /** A label in a table cell (the element or the cell that holds just it): its table, for `labelCells`. */
  cell: CellSnapshotSchema.optional(),
});
export type PickedElement = z.infer<typeof PickedElementSchema>;
