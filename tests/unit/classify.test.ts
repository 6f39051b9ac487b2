// One classification of fields for record views, redaction and exports: normalisation of field names, the
// district's patterns plus every adapter's codes, labels and known export fields, and the export allowlist in
// decide().
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decide';
import {
  classifyField,
  compile,
  fieldCategories,
  normalizeField,
  splitFieldList,
} from '../../src/decide/classify';
import { bundleClassification, sensitiveFieldsFor } from '../../src/policy/sensitive-fields';
import type { Category } from '../../src/policy/vocabulary';
import { DIAZ, consent, facts, realBundle } from './support';

const definitions = bundleClassification(realBundle, 'export');
const ordered = compile(definitions);
const categoryOf = (field: string): Category | undefined => classifyField(ordered, field);

describe('normalizeField', () => {
  it.each([
    ['Birth_Country', 'birth country', 'birthcountry'],
    ['Date-Entered-US', 'date entered us', 'dateenteredus'],
    ['CA_Birth.Place', 'ca birth place', 'cabirthplace'],
    ['First_US_School', 'first us school', 'firstusschool'],
    ['CA_USEnrolledLT3', 'ca us enrolled lt3', 'causenrolledlt3'],
    ['  Date\tEntered : US / School ', 'date entered us school', 'dateenteredusschool'],
    ['CA_Birth\u200BCountry', 'ca birth country', 'cabirthcountry'],
    ['Birth\u00ADCoun\u200Dtry\uFEFF', 'birth country', 'birthcountry'],
    ['\u202EBirth\u2066Country\u2069', 'birth country', 'birthcountry'],
    [
      '\uFF22\uFF49\uFF52\uFF54\uFF48 \uFF23\uFF4F\uFF55\uFF4E\uFF54\uFF52\uFF59',
      'birth country',
      'birthcountry',
    ],
    ['País de nacimiento', 'pais de nacimiento', 'paisdenacimiento'],
    ['Fecha de ingreso a EE. UU.', 'fecha de ingreso a ee uu', 'fechadeingresoaeeuu'],
    ['US Enrolled < 3 yr', 'us enrolled < 3 yr', 'usenrolled3yr'],
  ])('%j → spelled %j, compact %j', (field, spelled, compact) => {
    const normalized = normalizeField(field);
    expect(normalized.spelled).toBe(spelled);
    expect(normalized.compact).toBe(compact);
  });

  it('removes invisible characters but keeps the visible text as written', () => {
    expect(normalizeField(' CA_Birth\u200BCountry ').written).toBe('CA_BirthCountry');
    expect(normalizeField('\uFF23\uFF21_X').written).toBe('CA_X');
  });
});

describe('splitFieldList', () => {
  it.each([
    ['LastName, FirstName, Grade', ['LastName', 'FirstName', 'Grade']],
    ['LastName\nFirstName\r\nGrade', ['LastName', 'FirstName', 'Grade']],
    ['LastName;FirstName; Grade', ['LastName', 'FirstName', 'Grade']],
    ['LastName\tCA_BirthCountry', ['LastName', 'CA_BirthCountry']],
    [',, ;\t\n', []],
  ])('%j', (value, fields) => {
    expect(splitFieldList(value)).toEqual(fields);
  });

  it('does not split on invisible characters (they are removed inside a name instead)', () => {
    expect(splitFieldList('CA_Birth\u200BCountry')).toEqual(['CA_Birth\u200BCountry']);
  });
});

describe('immigration-related fields are recognised however they are written', () => {
  const variants = [
    'Birth_Country',
    'Date-Entered-US',
    'CA_Birth.Place',
    'First_US_School',
    'CA_USEnrolledLT3',
    'ca_usenrolledlt3',
    'CA-US-Enrolled-LT3',
    'usEnrolledLessThan3Years',
    'CA_Birth\u200BCountry',
    'CA_Date\u2060Entered\u00ADUS',
    '\uFF23\uFF21_\uFF22\uFF49\uFF52\uFF54\uFF48\uFF23\uFF4F\uFF55\uFF4E\uFF54\uFF52\uFF59',
    'STU.BCU',
    'stu bcu',
    'Date Entered U.S.',
    'Date Entered US School',
    'US Enrolled < 3 yr',
  ];
  it.each(variants)('%j', (field) => {
    expect(categoryOf(field)).toBe('immigration');
  });

  const labels = [
    'US Citizen',
    'U.S. Citizen',
    'Citizen Status',
    'Citizenship',
    'Country of Origin',
    'Date of Entry into US',
    'Date of Entry into the U.S.',
    'Date Entered United States',
    'Immigration Status',
    'País de nacimiento',
    'Pais de Nacimiento',
    'Lugar de nacimiento',
    'Fecha de ingreso a EE. UU.',
    'Fecha de ingreso a EEUU',
    'Fecha de entrada a los Estados Unidos',
    'Estatus migratorio',
    'Situación migratoria',
    'Ciudadanía',
  ];
  it.each(labels)('label %j', (label) => {
    expect(categoryOf(label)).toBe('immigration');
  });

  it('every immigration code any adapter declares, exactly and in separator, case and invisible-character variants', () => {
    const codes = realBundle.adapters.flatMap((adapter) =>
      adapter.sensitiveFields
        .filter((field) => field.category === 'immigration')
        .flatMap((field) => field.codes),
    );
    expect(codes.length).toBeGreaterThanOrEqual(51);
    const missed: string[] = [];
    for (const code of codes) {
      const spaced = code.replace(/([a-z])([A-Z])/g, '$1_$2');
      for (const variant of [
        code,
        code.toUpperCase(),
        spaced,
        code.replace(/_/g, '-'),
        `${code.slice(0, 3)}\u200B${code.slice(3)}`,
      ]) {
        if (categoryOf(variant) !== 'immigration') missed.push(variant);
      }
    }
    expect(missed).toEqual([]);
  });

  it("the guard plan hides the same fields: every adapter gets every adapter's immigration codes", () => {
    const sensitive = sensitiveFieldsFor(realBundle);
    // Adapters also list demographics fields (home language, parent education): only the immigration ones are hidden.
    const all = realBundle.adapters.flatMap((adapter) =>
      adapter.sensitiveFields
        .filter((field) => field.category === 'immigration')
        .flatMap((field) => field.codes),
    );
    for (const adapter of realBundle.adapters) {
      expect(sensitive[adapter.id]?.codes).toEqual(expect.arrayContaining(all));
    }
    const onlyImmigration = compile([
      {
        id: 'immigration',
        fieldPatterns: sensitive['demo-sis']?.labels ?? [],
        codes: sensitive['demo-sis']?.codes ?? [],
      },
    ]);
    for (const label of [...labels, ...variants])
      expect(classifyField(onlyImmigration, label)).toBe('immigration');
  });
});

describe('other fields', () => {
  it.each([
    ['LastName', 'demographics'],
    ['last_name', 'demographics'],
    ['Student Number', 'demographics'],
    ['GPA', 'grades'],
    ['Guardian1Phone', 'contacts'],
    ['AttendanceRate', 'attendance'],
    ['Medications', 'health'],
    ['Disability', 'special-education'],
    ['Home Language', 'demographics'],
    ['Birth Date', 'demographics'],
  ] as const)('%j is %s', (field, category) => {
    expect(categoryOf(field)).toBe(category);
  });

  it.each(['Locker Combination', 'Notes', 'Bus Route', '---', '\u200B'])('%j is unknown', (field) => {
    expect(categoryOf(field)).toBeUndefined();
  });

  it('fieldCategories leaves unknown fields out and keeps the names as given', () => {
    const found = fieldCategories(definitions, ['Birth_Country', 'Notes', 'LastName']);
    expect([...found]).toEqual([
      ['Birth_Country', 'immigration'],
      ['LastName', 'demographics'],
    ]);
  });

  it('a field that matches two categories is immigration-related', () => {
    const both = compile([
      { id: 'demographics', fieldPatterns: ['country'] },
      { id: 'immigration', fieldPatterns: [], codes: ['BirthCountry'] },
    ]);
    expect(classifyField(both, 'Birth Country')).toBe('immigration');
  });
});

describe('exports by allowlist in decide()', () => {
  const sroExport = (fields: string[], categories: Category[] = []) =>
    decide(
      realBundle,
      facts({
        user: { username: DIAZ.username },
        action: 'export',
        categories,
        fields,
        consents: [consent({ categories: ['demographics'], actions: ['view', 'export'] })],
      }),
    );

  it('an SRO with an export consent for demographics exports known demographic fields', () => {
    const decision = sroExport(['LastName, FirstName', 'Grade Level\tStudent_Number']);
    expect(decision).toMatchObject({
      outcome: 'allow',
      categories: ['demographics'],
      reason: { code: 'covered' },
    });
  });

  it.each([
    ['Birth_Country'],
    ['Date-Entered-US'],
    ['CA_Birth.Place'],
    ['First_US_School'],
    ['CA_USEnrolledLT3'],
    ['LastName\tCA_BirthCountry'],
    ['CA_Birth\u200BCountry'],
    ['\uFF23\uFF21_\uFF22\uFF49\uFF52\uFF54\uFF48\uFF23\uFF4F\uFF55\uFF4E\uFF54\uFF52\uFF59'],
    ['País de nacimiento'],
    ['US Citizen'],
  ])('%j is refused as immigration-related, even with consent', (field) => {
    const decision = sroExport(['LastName', field]);
    expect(decision).toMatchObject({ outcome: 'block', reason: { code: 'immigration-export-blocked' } });
    expect(decision.redact.categories).toEqual(['immigration']);
  });

  it('a field nobody classifies blocks the export and is named, in English and Spanish', () => {
    const decision = sroExport(['LastName', 'Locker Combination', 'FirstName']);
    expect(decision).toMatchObject({
      outcome: 'block',
      guarded: true,
      unknownFields: ['Locker Combination'],
      reason: { code: 'export-field-unknown' },
      options: [],
      coveredBy: [],
    });
    expect(decision.reason.text.en).toContain('"Locker Combination"');
    expect(decision.reason.text.es).toContain('"Locker Combination"');
    expect(decision.reason.text.es).toMatch(/no conoce el campo/);
  });

  it('an unknown field hidden with invisible characters is shown with them visible', () => {
    const decision = sroExport(['Lock\u200Ber']);
    expect(decision.reason.code).toBe('export-field-unknown');
    expect(decision.reason.text.en).toContain('"Lock\u00b7er"');
  });

  it('immigration is refused first when a list has both an unknown and an immigration-related field', () => {
    expect(sroExport(['Notes', 'Birth_Country']).reason.code).toBe('immigration-export-blocked');
  });

  it('names at most five unknown fields and counts the rest', () => {
    const decision = sroExport(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']);
    expect(decision.unknownFields).toHaveLength(7);
    expect(decision.reason.text.en).toContain('"a5", and 2 more');
    expect(decision.reason.text.en).not.toContain('"a6"');
  });

  it('views are not held to the allowlist: a page label nobody knows does not block it', () => {
    const decision = decide(
      realBundle,
      facts({
        user: { username: DIAZ.username },
        action: 'view',
        categories: ['demographics'],
        fields: ['Locker Combination'],
        consents: [consent({ categories: ['demographics'], actions: ['view'] })],
      }),
    );
    expect(decision.outcome).toBe('allow');
  });

  it("a teacher's export is never blocked, whatever its fields", () => {
    const decision = decide(
      realBundle,
      facts({
        user: { username: 'teacher.park' },
        action: 'export',
        categories: [],
        fields: ['Birth_Country', 'Locker Combination'],
      }),
    );
    expect(decision).toMatchObject({ outcome: 'allow', guarded: false });
  });
});
