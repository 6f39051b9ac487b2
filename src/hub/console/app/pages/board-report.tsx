// The Board report (issue 14): a period and schools, a reference group, then each table with a chart (Chart.js)
// and the chart's data in a table beside it; suppressed cells marked, a CSV download, and a print layout for
// letter paper. Everything is computed at the hub (src/report/board/report.ts); this page only shows it.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { z } from 'zod';
import { DIMENSIONS, DIMENSION_IDS, type Dimension } from '../../../../report/board/dimensions';
import {
  DIMENSION_LABELS,
  GROUP_LABELS,
  label,
  REPORT_TEXT,
  ROW_LABELS,
  TABLE_TITLES,
} from '../../../../report/board/texts';
import { apiGet } from '../api';
import { Field, Load, useLoad } from '../components';
import { fill, useLang, type Lang } from '../i18n';
import { chartBars } from './chart-bars';
import type { ConsolePage } from './page';
import './reports.css';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const CellSchema = z.object({
  count: z.number().nullable(),
  state: z.enum(['shown', 'primary', 'complementary']),
  rate: z.number().nullable(),
  rri: z.number().nullable(),
});
const ReportSchema = z.object({
  period: z.object({ from: z.string(), to: z.string() }),
  schools: z.array(z.string()),
  threshold: z.number(),
  roster: z.object({ effectiveOn: z.string(), students: z.number() }),
  enrolled: z.number(),
  requestTiming: z.object({
    decided: z.number(),
    approved: z.number(),
    approvalRate: z.number().nullable(),
    medianHours: z.number().nullable(),
  }),
  tables: z.array(
    z.object({
      id: z.string(),
      rows: z.array(z.string()),
      split: z.boolean(),
      all: z.array(z.object({ count: z.number(), rate: z.number().nullable() })),
      breakdowns: z.array(
        z.object({
          dimension: z.enum(DIMENSION_IDS as [Dimension, ...Dimension[]]),
          reference: z.string(),
          groups: z.array(z.object({ group: z.string(), enrolled: z.number().nullable() })),
          cells: z.array(z.array(CellSchema)),
        }),
      ),
    }),
  ),
});
type Report = z.infer<typeof ReportSchema>;
type Table = Report['tables'][number];
type Breakdown = Table['breakdowns'][number];
const AnswerSchema = z.object({ report: ReportSchema });

const T = (key: string, lang: Lang) => label(REPORT_TEXT, key, lang);

const PAGE_TEXT = {
  en: {
    from: 'From',
    to: 'To',
    schoolsHint: 'School codes separated by commas; empty for every school.',
    referenceLabel: 'Reference group ({dimension})',
    breakdown: 'Disaggregate by',
    show: 'Show the report',
    approvals: '{approved} of {decided} decided requests approved',
    marks: '* under {n}; ** hidden so that no * can be worked out',
    noRows: 'Nothing to count in this period.',
    noBars: 'No bar to draw: every rate here is zero, unknown or not shown (see the table).',
    suppressedBars: 'Cells not shown in the table (* and **) have no bar.',
  },
  es: {
    from: 'Desde',
    to: 'Hasta',
    schoolsHint: 'Códigos de escuela separados por comas; vacío para todas las escuelas.',
    referenceLabel: 'Grupo de referencia ({dimension})',
    breakdown: 'Desglosar por',
    show: 'Mostrar el informe',
    approvals: '{approved} de {decided} solicitudes decididas fueron aprobadas',
    marks: '* menor de {n}; ** oculto para que ningún * pueda deducirse',
    noRows: 'No hay nada que contar en este período.',
    noBars: 'No hay barras que dibujar: cada tasa es cero, desconocida o no se muestra (vea la tabla).',
    suppressedBars: 'Las celdas que la tabla no muestra (* y **) no tienen barra.',
  },
} as const;

const number = (value: number, lang: Lang) =>
  new Intl.NumberFormat(lang === 'es' ? 'es-US' : 'en-US').format(value);

function cellText(
  cell: Breakdown['cells'][number][number],
  field: 'count' | 'rate' | 'rri',
  lang: Lang,
): string {
  if (cell.state === 'primary') return '*';
  if (cell.state === 'complementary') return '**';
  const value = cell[field];
  return value === null ? '—' : number(value, lang);
}

/** One chart: per 1,000 enrolled, by the chosen dimension (see chartBars for what becomes a bar). */
function RateChart(props: { table: Table; breakdown: Breakdown; lang: Lang; tableId: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { table, breakdown, lang } = props;
  const text = PAGE_TEXT[lang];
  const bars = chartBars(table, breakdown);
  useEffect(() => {
    if (!canvas.current) return undefined;
    const palette = ['#0b5cad', '#c2410c', '#15803d', '#7e22ce', '#be123c', '#0e7490', '#4d7c0f', '#92400e'];
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: table.rows.map((row) => label(ROW_LABELS, row, lang)),
        datasets: bars.series.map((entry, index) => ({
          label: label(GROUP_LABELS, entry.group, lang),
          backgroundColor: palette[index % palette.length] ?? '#0b5cad',
          data: entry.rates,
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { position: 'bottom' } },
        scales: { y: { beginAtZero: true, title: { display: true, text: T('rate', lang) } } },
      },
    });
    return () => chart.destroy();
    // bars is derived from table and breakdown alone.
  }, [table, breakdown, lang]);
  // An empty frame of axes says nothing: when no rate can be drawn the page says why instead.
  if (!bars.drawable) return <p class="chart-note">{text.noBars}</p>;
  return (
    <>
      <div class="chart">
        <canvas
          ref={canvas}
          role="img"
          aria-label={`${label(TABLE_TITLES, table.id, lang)}. ${T('chartOf', lang)} ${DIMENSION_LABELS[breakdown.dimension][lang]}`}
          aria-describedby={`${props.tableId}-caption`}
        />
      </div>
      {bars.suppressed ? <p class="chart-note">{text.suppressedBars}</p> : null}
    </>
  );
}

function DataTable(props: { table: Table; breakdown: Breakdown; lang: Lang; tableId: string }) {
  const { table, breakdown, lang } = props;
  const groups = breakdown.groups.map((group, column) => ({ ...group, column }));
  const reference = label(GROUP_LABELS, breakdown.reference, lang);
  return (
    // A wide table scrolls: the region takes focus so keyboard users can scroll it too.
    <div class="table-wrap" tabIndex={0} role="region" aria-labelledby={`${props.tableId}-caption`}>
      <table id={props.tableId}>
        <caption id={`${props.tableId}-caption`}>
          {label(TABLE_TITLES, table.id, lang)} · {DIMENSION_LABELS[breakdown.dimension][lang]} (
          {T('reference', lang)}: {reference})
        </caption>
        <thead>
          <tr>
            <th scope="col">{T('group', lang)}</th>
            <th scope="col" class="num">
              {T('enrolled', lang)}
            </th>
            {table.rows.map((row) => (
              <th scope="col" class="num" key={row} colSpan={3}>
                {label(ROW_LABELS, row, lang)}
              </th>
            ))}
          </tr>
          <tr>
            <td />
            <td />
            {table.rows.map((row) => [
              <th scope="col" class="num" key={`${row}-n`}>
                {T('count', lang)}
              </th>,
              <th scope="col" class="num" key={`${row}-r`}>
                {T('rate', lang)}
              </th>,
              <th scope="col" class="num" key={`${row}-i`}>
                {T('rri', lang)}
              </th>,
            ])}
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">{T('allStudents', lang)}</th>
            <td class="num">{number(breakdownEnrolled(breakdown), lang)}</td>
            {table.all.map((cell, index) => [
              <td class="num" key={`a${index}-n`}>
                {number(cell.count, lang)}
              </td>,
              <td class="num" key={`a${index}-r`}>
                {cell.rate === null ? '—' : number(cell.rate, lang)}
              </td>,
              <td class="num" key={`a${index}-i`} />,
            ])}
          </tr>
          {groups.map((group) => (
            <tr key={group.group}>
              <th scope="row">
                {label(GROUP_LABELS, group.group, lang)}
                {group.group === breakdown.reference ? ` (${T('reference', lang)})` : ''}
              </th>
              <td class="num">{group.enrolled === null ? '—' : number(group.enrolled, lang)}</td>
              {table.rows.map((row, index) => {
                const cell = breakdown.cells[index]?.[group.column];
                if (!cell) return null;
                const hidden = cell.state !== 'shown';
                return (['count', 'rate', 'rri'] as const).map((field) => (
                  <td class={hidden ? 'num suppressed' : 'num'} key={`${row}-${field}`}>
                    {cellText(cell, field, lang)}
                    {hidden && field === 'count' ? (
                      <span class="visually-hidden"> ({T('suppressedShort', lang)})</span>
                    ) : null}
                  </td>
                ));
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const breakdownEnrolled = (breakdown: Breakdown): number =>
  breakdown.groups.reduce((sum, group) => sum + (group.enrolled ?? 0), 0);

function ReportView(props: { report: Report; dimension: Dimension; lang: Lang; csvHref: string }) {
  const { report, dimension, lang } = props;
  const text = PAGE_TEXT[lang];
  const timing = report.requestTiming;
  return (
    <section class="report" aria-labelledby="report-title">
      <h2 id="report-title">{T('title', lang)}</h2>
      <p class="report-meta">
        {T('period', lang)}: {report.period.from} – {report.period.to} · {T('schools', lang)}:{' '}
        {report.schools.length > 0 ? report.schools.join(', ') : T('allSchools', lang)} · {T('roster', lang)}:{' '}
        {report.roster.effectiveOn} ({number(report.enrolled, lang)} {T('enrolled', lang).toLowerCase()})
      </p>
      <p class="report-meta">{fill(T('suppressed', lang), { n: report.threshold })}</p>
      <p class="actions no-print">
        <a href={props.csvHref} download>
          {T('download', lang)}
        </a>{' '}
        <button type="button" onClick={() => print()}>
          {T('print', lang)}
        </button>
      </p>
      {report.tables.map((table) => {
        const breakdown = table.breakdowns.find((entry) => entry.dimension === dimension);
        const tableId = `table-${table.id}`;
        return (
          <section key={table.id} aria-labelledby={`${tableId}-title`}>
            <h3 id={`${tableId}-title`}>{label(TABLE_TITLES, table.id, lang)}</h3>
            {table.id === 'requests' ? (
              <p>
                {fill(text.approvals, { approved: timing.approved, decided: timing.decided })}
                {timing.approvalRate !== null
                  ? ` (${number(Math.round(timing.approvalRate * 1000) / 10, lang)} %)`
                  : ''}
                {timing.medianHours !== null
                  ? ` · ${T('medianHours', lang)}: ${number(timing.medianHours, lang)}`
                  : ''}
              </p>
            ) : null}
            {table.rows.length === 0 || !breakdown ? (
              <p>{text.noRows}</p>
            ) : (
              <div class="report-figure">
                <RateChart table={table} breakdown={breakdown} lang={lang} tableId={tableId} />
                <DataTable table={table} breakdown={breakdown} lang={lang} tableId={tableId} />
              </div>
            )}
          </section>
        );
      })}
    </section>
  );
}

const today = () => new Date().toISOString().slice(0, 10);
const yearStart = () => {
  const now = new Date();
  const year = now.getUTCMonth() >= 6 ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
  return `${year}-07-01`;
};

function BoardReportPage(props: { params: URLSearchParams }) {
  const lang = useLang();
  const text = PAGE_TEXT[lang];
  const initial = {
    from: props.params.get('from') ?? yearStart(),
    to: props.params.get('to') ?? today(),
    schools: props.params.get('schools') ?? '',
    reference: props.params.get('reference') ?? 'race-ethnicity:white',
    dimension: (props.params.get('by') as Dimension | null) ?? 'race-ethnicity',
  };
  const [form, setForm] = useState(initial);
  const [query, setQuery] = useState(initial);
  const search = new URLSearchParams({
    from: query.from,
    to: query.to,
    ...(query.schools.trim() ? { schools: query.schools.trim() } : {}),
    ...(query.reference ? { reference: query.reference } : {}),
    lang,
  });
  const [loaded, retry] = useLoad(
    () => apiGet(`/reports/board?${search}`, AnswerSchema),
    [search.toString()],
  );
  const [refDimension, refGroup] = form.reference.split(':') as [Dimension, string];
  const dimension = DIMENSION_IDS.includes(form.dimension) ? form.dimension : 'race-ethnicity';

  return (
    <>
      <form
        class="no-print"
        onSubmit={(event) => {
          event.preventDefault();
          setQuery(form);
        }}
      >
        <Field id="report-from" label={text.from}>
          {(describedBy) => (
            <input
              id="report-from"
              type="date"
              value={form.from}
              aria-describedby={describedBy}
              onInput={(event) => setForm({ ...form, from: event.currentTarget.value })}
            />
          )}
        </Field>
        <Field id="report-to" label={text.to}>
          {(describedBy) => (
            <input
              id="report-to"
              type="date"
              value={form.to}
              aria-describedby={describedBy}
              onInput={(event) => setForm({ ...form, to: event.currentTarget.value })}
            />
          )}
        </Field>
        <Field id="report-schools" label={T('schools', lang)} hint={text.schoolsHint}>
          {(describedBy) => (
            <input
              id="report-schools"
              value={form.schools}
              aria-describedby={describedBy}
              onInput={(event) => setForm({ ...form, schools: event.currentTarget.value })}
            />
          )}
        </Field>
        <Field id="report-by" label={text.breakdown}>
          {(describedBy) => (
            <select
              id="report-by"
              value={dimension}
              aria-describedby={describedBy}
              onChange={(event) => {
                const next = event.currentTarget.value as Dimension;
                const group = next === refDimension ? refGroup : (DIMENSIONS[next][0] as string);
                setForm({ ...form, dimension: next, reference: `${next}:${group}` });
              }}
            >
              {DIMENSION_IDS.map((id) => (
                <option key={id} value={id}>
                  {DIMENSION_LABELS[id][lang]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          id="report-reference"
          label={fill(text.referenceLabel, { dimension: DIMENSION_LABELS[dimension][lang] })}
        >
          {(describedBy) => (
            <select
              id="report-reference"
              value={refDimension === dimension ? refGroup : ''}
              aria-describedby={describedBy}
              onChange={(event) =>
                setForm({ ...form, reference: `${dimension}:${event.currentTarget.value}` })
              }
            >
              {(DIMENSIONS[dimension] as readonly string[]).map((group) => (
                <option key={group} value={group}>
                  {label(GROUP_LABELS, group, lang)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <p>
          <button type="submit">{text.show}</button>
        </p>
      </form>
      <Load loaded={loaded} retry={retry}>
        {({ report }) => (
          <ReportView
            report={report}
            dimension={query.dimension}
            lang={lang}
            csvHref={`/console/api/reports/board.csv?${search}`}
          />
        )}
      </Load>
    </>
  );
}

export const boardReportPage: ConsolePage = {
  id: 'board-report',
  title: { en: 'Board report', es: 'Informe a la Junta' },
  roles: ['clerk', 'admin'],
  component: BoardReportPage,
};
