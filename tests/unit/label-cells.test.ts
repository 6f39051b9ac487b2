// Field labels in table cells whose value is beside them or in the row below (issue #15, deliver 1): the
// adapter format's `labelCells` rules, the finder (src/sis/read-page.ts), the check command and the in-page
// redactor (src/guard/redact.ts) on grid markup modelled on PowerSchool/Aeries/Synergy screens, fake students.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redactor } from '../../src/guard/redact';
import { SisAdapterSchema, type SisAdapter } from '../../src/policy/adapter';
import { parsePolicyBundle } from '../../src/policy/bundle';
import { checkAdapter, formatCheck } from '../../src/sis/check';
import {
  gridOf,
  labelCellRules,
  labelCellsIn,
  rowsOf,
  valueCellsOf,
  type LabelCellRule,
} from '../../src/sis/label-cells';
import { readFields, readLabelCells } from '../../src/sis/read-page';
import { adapterCli, POLICY_DIR, realBundle, REPO_ROOT } from './support';

const PAGE = join(REPO_ROOT, 'tests/fixtures/pages/powerschool/state-grid.html');
const URL_OF_PAGE = 'https://district.powerschool.com/admin/students/transferinfo.html?frn=001204511';
const MASK = '[hidden]';
/** The values the fixture page's sensitive labels stand for: each must be masked, nothing else. */
const SECRETS = ['secret-7731', 'secret-7732', 'secret-7733', 'secret-7734'];

const powerschoolJson = JSON.parse(
  await readFile(join(POLICY_DIR, 'adapters/powerschool.json'), 'utf8'),
) as Record<string, unknown>;

/** PowerSchool's adapter with these label-cell rules. */
const powerschoolWith = (labelCells: unknown): SisAdapter =>
  SisAdapterSchema.parse({ ...structuredClone(powerschoolJson), labelCells });

/** Label rows in the state-reporting grid, pairs in PowerSchool's linkDescList tables. */
const GRID_RULES = [
  { value: 'row-below', tables: 'table.stateGrid' },
  { value: 'next-cell', tables: 'table.linkDescList' },
] as const;

const pageHtml = await readFile(PAGE, 'utf8');
const fixture = (): Document => parseHTML(pageHtml).document as unknown as Document;
const doc = (html: string): Document =>
  parseHTML(`<!doctype html><html><body>${html}</body></html>`).document as unknown as Document;
const text = (element: Element | null | undefined): string => element?.textContent?.trim() ?? '';

/** The redaction rules the page guard builds for an SRO, from the real policy's immigration labels. */
const immigrationLabels = [
  ...(realBundle.policy.categories.find((category) => category.id === 'immigration')?.fieldPatterns ?? []),
  ...realBundle.adapters.flatMap((adapter) =>
    adapter.sensitiveFields.flatMap((field) => (field.category === 'immigration' ? field.labels : [])),
  ),
];
const redactorFor = (rules: readonly LabelCellRule[]): Redactor =>
  new Redactor({ labels: immigrationLabels, codes: [], codeAttributes: [], mask: MASK, labelCells: rules });

describe('the labelCells format', () => {
  it('keeps true and false, and takes a rule or a list of rules', () => {
    expect(powerschoolWith(true).labelCells).toBe(true);
    expect(powerschoolWith(false).labelCells).toBe(false);
    expect(powerschoolWith({ value: 'row-below' }).labelCells).toEqual({ value: 'row-below' });
    expect(powerschoolWith(GRID_RULES).labelCells).toEqual(GRID_RULES);
    const { labelCells: _omitted, ...without } = structuredClone(powerschoolJson);
    expect(SisAdapterSchema.parse(without).labelCells).toBe(false);
    expect(labelCellRules(true)).toEqual([{ value: 'next-cell' }]);
    expect(labelCellRules(false)).toEqual([]);
    expect(labelCellRules({ value: 'either' })).toEqual([{ value: 'either' }]);
  });

  it.each([
    [
      { value: 'below' },
      /labelCells: value "below" is not allowed: use one of "next-cell", "row-below", "either"/,
    ],
    ['row-below', /labelCells: must be true, false, \{ "value"/],
    [[{ value: 'next-cell' }, { value: 'under' }], /labelCells: rule \[1\]: value "under" is not allowed/],
    [{ value: 'row-below', tables: 'table[' }, /labelCells\.tables: is not a valid CSS selector/],
    [{ value: 'row-below', below: true }, /labelCells: Unrecognized key: "below"/],
    [[], /labelCells: Too small/],
  ])('refuses %j with the adapter and the field named', (labelCells, message) => {
    const bundle = parsePolicyBundle({
      format: 'record-guard-bundle/1',
      policy: realBundle.policy,
      legalBases: realBundle.legalBases,
      adapters: realBundle.adapters.map((adapter) =>
        adapter.id === 'powerschool' ? { ...structuredClone(powerschoolJson), labelCells } : adapter,
      ),
    });
    expect(bundle.ok).toBe(false);
    if (bundle.ok) return;
    const index = realBundle.adapters.findIndex((adapter) => adapter.id === 'powerschool');
    const line = bundle.errors.find((error) => error.includes(`adapters[${index}].labelCells`)) ?? '';
    expect(line).toMatch(message);
    expect(line).toContain('powerschool');
  });
});

describe('where a label cell has its value (src/sis/label-cells.ts)', () => {
  const rules = labelCellRules(GRID_RULES);
  const cell = (page: Document, table: string, label: string): Element => {
    const found = Array.from(page.querySelectorAll(`#${table} td, #${table} th`)).find(
      (candidate) => text(candidate) === label,
    );
    if (!found) throw new Error(`no cell "${label}" in #${table}`);
    return found;
  };
  const values = (page: Document, table: string, label: string, use = rules) =>
    valueCellsOf(cell(page, table, label), use);

  it('a th header with colspan 2: both cells under it in the row below, not the label', () => {
    const page = fixture();
    const found = values(page, 'birthGrid', 'Birth Country');
    expect(found).toMatchObject({ at: 'column', located: true });
    expect(found.cells.map(text)).toEqual(['FL', 'secret-7731']);
  });

  it('a td label row over a value row whose first cell spans two columns: the cell under the label', () => {
    const page = fixture();
    const found = values(page, 'stateGrid', 'Date Entered US School');
    // By cell index the third cell would be "EO"; by column it is the one under the label. The label row has four
    // cells, so it also reads as pairs: the cell beside the label is masked too (it may be a pair's value).
    expect(found).toMatchObject({ at: 'row-below', located: true });
    expect(found.cells.map(text)).toEqual(['Language Fluency', 'secret-7732']);
    expect(found.below?.map(text)).toEqual(['secret-7732']);
    expect(values(page, 'stateGrid', 'Birth State/Province').cells.map(text)).toEqual(['secret-7733', 'FS']);
  });

  it('a th row header and a td pair: the next cell; a td label outside the rule keeps the next cell', () => {
    const page = fixture();
    expect(values(page, 'rowHeaders', 'Birth City').cells.map(text)).toEqual(['secret-7734']);
    expect(values(page, 'pairs', 'Student Number')).toMatchObject({ at: 'next-cell', located: true });
    expect(values(page, 'stateGrid', 'Track', []).at).toBe('next-cell');
  });

  it('rowspan from the row above moves the value row right, as browsers lay it out', () => {
    const page = doc(
      '<table id="t"><tr><td rowspan="3">Photo</td><td>Grade</td><td>Birth Country</td></tr><tr><td>9</td><td>rowspan-value</td></tr><tr><td>x</td><td>y</td></tr></table>',
    );
    const table = page.querySelector('#t') as Element;
    const grid = gridOf(rowsOf(table));
    const second = rowsOf(table)[1] as Element;
    expect(Array.from(second.children).map((c) => grid.get(c)?.start)).toEqual([1, 2]);
    const found = valueCellsOf(cell(page, 't', 'Birth Country'), [{ value: 'row-below' }]);
    expect(found.cells.map(text)).toEqual(['rowspan-value']);
  });

  it('not located: no row below, or the row below has no cell under the label', () => {
    const short = doc(
      '<table id="t"><tr><td>Grade</td><td>Birth Country</td></tr><tr><td>9</td></tr></table>',
    );
    expect(valueCellsOf(cell(short, 't', 'Birth Country'), [{ value: 'row-below' }])).toMatchObject({
      located: false,
      cells: [],
    });
    const last = doc('<table id="t"><tr><td>Grade</td><td>Birth Country</td></tr></table>');
    expect(valueCellsOf(cell(last, 't', 'Birth Country'), [{ value: 'row-below' }]).located).toBe(false);
    // `either`: a pair in the last row has its value in the next cell: located there (its page can be shown).
    const either = valueCellsOf(cell(last, 't', 'Grade'), [{ value: 'either' }]);
    expect(either.cells.map(text)).toEqual(['Birth Country']);
    expect(either).toMatchObject({ located: true, below: undefined });
    // Neither a cell beside nor one below: not located.
    const alone = doc(
      '<table id="t"><tr><td>Grade</td><td>x</td></tr><tr><td>Birth Country</td></tr></table>',
    );
    expect(valueCellsOf(cell(alone, 't', 'Birth Country'), [{ value: 'either' }]).located).toBe(false);
  });

  it('row-below in a row that reads as label/value pairs masks the cell beside too (a class rule on a pairs table)', () => {
    // PowerSchool-like pairs with the class a grid rule names: read by row-below, the value beside stayed visible.
    const page = doc(
      '<table id="t" class="grid"><tr><td>Birth Country</td><td>pair-value-1</td><td>Grade</td><td>9</td></tr><tr><td>Home Language</td><td>Spanish</td><td>Locker</td><td>417</td></tr></table>',
    );
    const rule = [{ value: 'row-below', tables: 'table.grid' }] as const;
    const found = valueCellsOf(cell(page, 't', 'Birth Country'), rule);
    // The cells after it (as next-cell always masked) and the one below.
    expect(found.cells.map(text)).toEqual(['pair-value-1', 'Grade', '9', 'Home Language']);
    expect(found).toMatchObject({ located: true, mayBeLabels: true });
    // An odd row of labels is no row of pairs: the cell under the label alone.
    const odd = doc(
      '<table id="t" class="grid"><tr><td>Grade</td><td>Birth Country</td><td>Locker</td></tr><tr><td>9</td><td>v</td><td>417</td></tr></table>',
    );
    expect(valueCellsOf(cell(odd, 't', 'Grade'), rule).cells.map(text)).toEqual(['9']);
    // A pair in the last row under row-below: masked beside, but no row below keeps it unresolved (fail closed).
    const last = valueCellsOf(cell(page, 't', 'Home Language'), rule);
    expect(last.cells.map(text)).toEqual(['Spanish', 'Locker', '417']);
    expect(last.located).toBe(false);
  });
});

describe('the finder (readFields, readLabelCells)', () => {
  it('a one-cell td title spanning columns is not a row of labels: the row after it is', () => {
    const page = doc(
      '<table id="t"><tr><td colspan="3">1. Student</td></tr><tr><td>Birth City</td><td>State</td><td>Country</td></tr><tr><td>a</td><td>b</td><td>c</td></tr><tr><td colspan="3">2. Language</td></tr><tr><td>Home Language</td><td>Fluency</td><td>Since</td></tr><tr><td>d</td><td>e</td><td>f</td></tr></table>',
    );
    const found = labelCellsIn(page, [{ value: 'row-below' }]).map((entry) => text(entry.cell));
    expect(found).toEqual(['Birth City', 'State', 'Country', 'Home Language', 'Fluency', 'Since']);
    // A one-cell row without colspan (a one-column table of labels over values) still pairs as before.
    const column = doc('<table><tr><td>Birth Country</td></tr><tr><td>x</td></tr></table>');
    expect(labelCellsIn(column, [{ value: 'row-below' }]).map((entry) => text(entry.cell))).toEqual([
      'Birth Country',
    ]);
  });

  it('under either, a pair in a mixed table is reported beside, a row of labels below', () => {
    const page = doc(
      '<table><tr><td colspan="2">Title</td></tr><tr><td>Birth City</td><td>State</td><td>Country</td></tr><tr><td>a</td><td>b</td><td>c</td></tr><tr><td colspan="2">Birth Country</td><td>x</td></tr></table>',
    );
    const cells = readLabelCells(powerschoolWith({ value: 'either' }), page);
    expect(cells.filter((cell) => cell.label === 'Birth City')).toEqual([
      { label: 'Birth City', valueAt: 'row-below', located: true },
    ]);
    // The pair after the value row, the last row: read as a pair only (a last row is never a row of labels).
    expect(cells.filter((cell) => cell.label === 'Birth Country')).toEqual([
      { label: 'Birth Country', valueAt: 'next-cell', located: true },
    ]);
  });

  it('reads td label rows as labels under row-below, and not their values', () => {
    const fields = readFields(powerschoolWith(GRID_RULES), fixture());
    expect(fields).toEqual(
      expect.arrayContaining([
        'Date Entered US School',
        'Birth State/Province',
        'Track',
        'Student Number',
        'Grade Level',
        'Birth Country',
        'Birth City',
      ]),
    );
    for (const value of [...SECRETS, 'EO', 'FS', '204511', '2011-03-02']) expect(fields).not.toContain(value);
  });

  it('under next-cell alone, the label row is read as pairs (the layout it cannot describe)', () => {
    const fields = readFields(powerschoolWith(true), fixture());
    expect(fields).not.toContain('Grade');
    expect(fields).not.toContain('Language Fluency');
    expect(readFields(powerschoolWith(GRID_RULES), fixture())).toEqual(
      expect.arrayContaining(['Grade', 'Language Fluency']),
    );
  });

  it('reports each sensitive label with where its value is', () => {
    const cells = readLabelCells(powerschoolWith(GRID_RULES), fixture());
    const at = (label: string) => cells.filter((cell) => cell.label === label);
    // Its row of four labels also reads as pairs: masked (and reported) beside as well.
    expect(at('Date Entered US School')).toEqual([
      { label: 'Date Entered US School', valueAt: 'row-below', located: true },
      { label: 'Date Entered US School', valueAt: 'next-cell', located: true },
    ]);
    expect(at('Birth Country')).toEqual([{ label: 'Birth Country', valueAt: 'column', located: true }]);
    expect(at('Birth City')).toEqual([{ label: 'Birth City', valueAt: 'next-cell', located: true }]);
  });
});

describe('the redactor on grids', () => {
  const globals = [
    'HTMLInputElement',
    'HTMLTextAreaElement',
    'HTMLSelectElement',
    'HTMLLabelElement',
  ] as const;
  const saved: Partial<Record<(typeof globals)[number], unknown>> = {};
  beforeAll(() => {
    const { window } = parseHTML('<!doctype html><html></html>');
    for (const name of globals) {
      saved[name] = (globalThis as Record<string, unknown>)[name];
      (globalThis as Record<string, unknown>)[name] = (window as unknown as Record<string, unknown>)[name];
    }
  });
  afterAll(() => {
    for (const name of globals) (globalThis as Record<string, unknown>)[name] = saved[name];
  });

  /** Every cell's text, by table, after redaction. */
  const cellTexts = (page: Document, table: string): string[] =>
    Array.from(page.querySelectorAll(`#${table} td, #${table} th`)).map(text);

  it('masks exactly the value cells of sensitive labels, never a label or another cell', () => {
    const page = fixture();
    const redactor = redactorFor(labelCellRules(GRID_RULES));
    redactor.scan(page);
    expect(cellTexts(page, 'birthGrid')).toEqual([
      'Birthdate',
      'Birth Country',
      'Home Language',
      '2011-03-02',
      MASK,
      MASK,
      'Spanish',
    ]);
    expect(cellTexts(page, 'stateGrid')).toEqual([
      'Track',
      'Grade',
      'Date Entered US School',
      // Beside a sensitive label in a row of four: it may be a pair's value (a class rule on a pairs table).
      MASK,
      'A · 9',
      MASK,
      'EO',
      'Primary Language',
      'Birth State/Province',
      'Locker',
      'Spanish',
      MASK,
      MASK,
      '417',
    ]);
    expect(cellTexts(page, 'rowHeaders')).toEqual(['Birth City', MASK, 'Home Phone', '555-0100']);
    expect(cellTexts(page, 'pairs')).toEqual(['Student Number', '204511', 'Grade Level', '9']);
    for (const secret of SECRETS) expect(page.body.textContent).not.toContain(secret);
    expect(redactor.unresolved()).toBe(0);
  });

  it('without the row-below rule the value under a td label stays (why the rule is needed)', () => {
    const page = fixture();
    redactorFor(labelCellRules(true)).scan(page);
    expect(page.body.textContent).toContain('secret-7732');
  });

  it.each([
    ['with spans', ' colspan="2"'],
    ['without spans (the cell-index path)', ''],
  ])(
    'a header row that is not the first row masks the rows below it only, down to the next header row, %s',
    (_what, span) => {
      const page = doc(
        `<table id="t"><tr><th>Parent</th><th>Phone</th></tr><tr><td>Sam</td><td>555</td></tr><tr><th>Grade</th><th>Birth Country</th></tr><tr><td>9</td><td>mid-value</td></tr><tr><th${span}>Term 2</th></tr><tr><td>10</td><td>mid-value-2</td></tr><tr><th>Home Language</th><th>Locker</th></tr><tr><td>Spanish</td><td>417</td></tr></table>`,
      );
      redactorFor([]).scan(page);
      expect(cellTexts(page, 't')).toEqual([
        'Parent',
        'Phone',
        'Sam',
        '555',
        'Grade',
        'Birth Country',
        '9',
        MASK,
        'Term 2',
        '10',
        MASK,
        'Home Language',
        'Locker',
        'Spanish',
        '417',
      ]);
    },
  );

  it('a value under a sensitive header that reads like a label masks nothing else in its row', () => {
    const page = doc(
      '<table id="t"><thead><tr><th>Name</th><th>Citizenship</th><th>Grade</th></tr></thead><tbody><tr><td>Ana</td><td>US Citizen</td><td>9</td></tr></tbody></table>',
    );
    redactorFor([]).scan(page);
    expect(cellTexts(page, 't')).toEqual(['Name', 'Citizenship', 'Grade', 'Ana', MASK, '9']);
  });

  it('either: masks the next cell and the cell below, and a masked neighbour label still has its value masked', () => {
    const page = doc(
      '<table id="t"><tr><td>Birth Country</td><td>Date Entered US</td><td>Grade</td></tr><tr><td>either-1</td><td>either-2</td><td>9</td></tr></table>',
    );
    const redactor = redactorFor([{ value: 'either' }]);
    redactor.scan(page);
    expect(page.body.textContent).not.toContain('either-1');
    expect(page.body.textContent).not.toContain('either-2');
    expect(cellTexts(page, 't')[0]).toBe('Birth Country');
    expect(redactor.unresolved()).toBe(0);
  });

  it('fails closed: a sensitive label with no cell below is unresolved until its row comes', () => {
    const page = doc(
      '<table id="t"><tbody id="b"><tr><td>Grade</td><td>Birth Country</td></tr></tbody></table>',
    );
    const redactor = redactorFor([{ value: 'row-below' }]);
    redactor.scan(page);
    expect(redactor.unresolved()).toBe(1);
    // A streaming page adds the value row: masked as it comes, and the label is resolved.
    const body = page.querySelector('#b') as Element;
    const row = page.createElement('tr');
    row.innerHTML = '<td>9</td><td>streamed-value</td>';
    body.appendChild(row);
    redactor.handleMutations([
      { type: 'childList', target: body, addedNodes: [row] } as unknown as MutationRecord,
    ]);
    expect(text(row.lastElementChild)).toBe(MASK);
    expect(text(row.firstElementChild)).toBe('9');
    expect(redactor.unresolved()).toBe(0);
    // A short value row keeps it unresolved (the page guard then keeps the SRO's page covered).
    const short = doc('<table><tr><td>Grade</td><td>Birth Country</td></tr><tr><td>9</td></tr></table>');
    const strict = redactorFor([{ value: 'row-below' }]);
    strict.scan(short);
    expect(strict.unresolved()).toBe(1);
  });

  it('rows streamed into a grid under a sensitive header are masked in its column (colspan honoured)', () => {
    const page = doc(
      '<table id="t"><thead><tr><th colspan="2">Name</th><th>Birth Country</th></tr></thead><tbody id="b"></tbody></table>',
    );
    const redactor = redactorFor([]);
    redactor.scan(page);
    const body = page.querySelector('#b') as Element;
    const row = page.createElement('tr');
    row.innerHTML = '<td>Ana</td><td>Sample</td><td>stream-col-value</td>';
    body.appendChild(row);
    redactor.handleMutations([
      { type: 'childList', target: body, addedNodes: [row] } as unknown as MutationRecord,
    ]);
    expect(Array.from(row.children).map(text)).toEqual(['Ana', 'Sample', MASK]);
  });

  describe('on rows streamed into tables with rowspan', () => {
    const added = (target: Element, node: Node): MutationRecord =>
      ({ type: 'childList', target, addedNodes: [node] }) as unknown as MutationRecord;
    const texts = (row: Element): string[] => Array.from(row.children).map(text);

    it('a header row with rowspan over a second header row: an appended row is masked in the sub-header column', () => {
      const page = doc(
        '<table id="t"><thead><tr><th rowspan="2">Name</th><th colspan="2">Birth</th></tr><tr><th>Birth Country</th><th>City</th></tr></thead><tbody id="b"><tr><td>Ana</td><td>first-country</td><td>Fresno</td></tr></tbody></table>',
      );
      const redactor = redactorFor([]);
      redactor.scan(page);
      const body = page.querySelector('#b') as Element;
      expect(texts(body.firstElementChild as Element)).toEqual(['Ana', MASK, 'Fresno']);
      const row = page.createElement('tr');
      row.innerHTML = '<td>Luis</td><td>streamed-country</td><td>Modesto</td>';
      body.appendChild(row);
      redactor.handleMutations([added(body, row)]);
      // By its own row "Birth Country" is the first column (the name's); on the grid it is the second.
      expect(texts(row)).toEqual(['Luis', MASK, 'Modesto']);
    });

    it('a value cell with rowspan: the next streamed row is masked in the column it stands in on the grid', () => {
      const page = doc(
        '<table id="t"><thead><tr><th>Name</th><th>Birth Country</th><th>City</th></tr></thead><tbody id="b"><tr><td rowspan="2">Ana</td><td>first-country</td><td>Fresno</td></tr></tbody></table>',
      );
      const redactor = redactorFor([]);
      redactor.scan(page);
      const body = page.querySelector('#b') as Element;
      const row = page.createElement('tr');
      // "Ana" spans into this row: its first cell stands in the Birth Country column.
      row.innerHTML = '<td>streamed-country</td><td>Modesto</td>';
      body.appendChild(row);
      redactor.handleMutations([added(body, row)]);
      expect(texts(row)).toEqual([MASK, 'Modesto']);
      // A row with a rowspan streamed in later moves the rows after it too.
      const spanning = page.createElement('tr');
      spanning.innerHTML = '<td rowspan="2">Luis</td><td>third-country</td><td>Merced</td>';
      body.appendChild(spanning);
      redactor.handleMutations([added(body, spanning)]);
      const after = page.createElement('tr');
      after.innerHTML = '<td>fourth-country</td><td>Visalia</td>';
      body.appendChild(after);
      redactor.handleMutations([added(body, after)]);
      expect(texts(spanning)).toEqual(['Luis', MASK, 'Merced']);
      expect(texts(after)).toEqual([MASK, 'Visalia']);
    });

    it('a body of rows added at once under a sensitive header is masked in its column', () => {
      const page = doc('<table id="t"><thead><tr><th>Name</th><th>Birth Country</th></tr></thead></table>');
      const redactor = redactorFor([]);
      redactor.scan(page);
      const table = page.querySelector('#t') as Element;
      const body = page.createElement('tbody');
      body.innerHTML = '<tr><td>Ana</td><td>body-country</td></tr>';
      table.appendChild(body);
      redactor.handleMutations([added(table, body)]);
      expect(texts(body.firstElementChild as Element)).toEqual(['Ana', MASK]);
    });

    it('either: a pair in the last row is located beside, and a row added below later is still masked', () => {
      const page = doc(
        '<table id="t"><tbody id="b"><tr><td>Birth Country</td><td>last-pair-value</td></tr></tbody></table>',
      );
      const redactor = redactorFor([{ value: 'either' }]);
      redactor.scan(page);
      expect(page.body.textContent).not.toContain('last-pair-value');
      expect(redactor.unresolved()).toBe(0);
      const body = page.querySelector('#b') as Element;
      const row = page.createElement('tr');
      row.innerHTML = '<td>below-value</td><td>x</td>';
      body.appendChild(row);
      redactor.handleMutations([added(body, row)]);
      expect(texts(row)).toEqual([MASK, 'x']);
    });
  });
});

describe('npm run adapter -- check on the grid page', () => {
  it('reports the sensitive fields with where their values are', () => {
    const report = checkAdapter(
      powerschoolWith(GRID_RULES),
      fixture(),
      URL_OF_PAGE,
      realBundle.policy.categories,
    );
    expect(report.sensitiveFound).toEqual(
      expect.arrayContaining([
        'Date Entered US School',
        'Birth State/Province',
        'Birth Country',
        'Birth City',
      ]),
    );
    expect(report.sensitiveCells).toEqual(
      expect.arrayContaining([
        { field: 'Date Entered US School', valueAt: 'row-below', located: true },
        { field: 'Birth Country', valueAt: 'column', located: true },
      ]),
    );
    const printed = formatCheck(report);
    expect(printed).toMatch(
      /^sensitive .*Date Entered US School \(value in the row below; value in the next cell\)/m,
    );
    expect(printed).toMatch(/Birth Country \(values in the column below\)/);
    expect(printed).toMatch(/Birth City \(value in the next cell\)/);
  });

  it('names a sensitive label whose value cell is missing', () => {
    const page = doc('<table><tr><td>Grade</td><td>Birth Country</td></tr><tr><td>9</td></tr></table>');
    const report = checkAdapter(
      powerschoolWith({ value: 'row-below' }),
      page,
      URL_OF_PAGE,
      realBundle.policy.categories,
    );
    expect(report.missing).toContain(
      'sensitive field "Birth Country": no value cell under it in the row below (an SRO sees the page covered)',
    );
    expect(formatCheck(report)).toMatch(/Birth Country \(value in the row below: NOT FOUND\)/);
  });

  it('the command itself, on the fixture page with an adapter file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rg-labels-'));
    const file = join(dir, 'powerschool-grid.json');
    await writeFile(
      file,
      JSON.stringify({ ...powerschoolJson, id: 'powerschool-grid', labelCells: GRID_RULES }),
    );
    const run = await cli('check', file, PAGE, URL_OF_PAGE);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^sensitive .*Date Entered US School \(value in the row below; value in the next cell\)/m,
    );
    expect(run.stdout).toMatch(/Birth State\/Province \(value in the row below\)/);

    await writeFile(
      file,
      JSON.stringify({ ...powerschoolJson, id: 'powerschool-grid', labelCells: { value: 'down' } }),
    );
    const bad = await cli('validate', file);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/adapter "powerschool-grid" labelCells: value "down" is not allowed/);
  });
});

const cli = adapterCli;
