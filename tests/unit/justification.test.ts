import { describe, expect, it } from 'vitest';
import {
  checkEvidence,
  checkJustification,
  normalizeText,
  type EvidenceContext,
  type JustificationContext,
  type JustificationProblemCode,
  type JustificationResult,
} from '../../src/decide/justification';
import type { JustificationRules } from '../../src/policy/district-policy';
import { EvidenceFieldSchema, type EvidenceField } from '../../src/policy/legal-basis';
import { basisOf, realBundle } from './support';

const rules: JustificationRules = realBundle.policy.justification;
const NOW = '2026-11-10T10:00:00-08:00';
const context = (change: Partial<JustificationContext> = {}): JustificationContext => ({
  studentId: '100234',
  now: NOW,
  recent: [],
  ...change,
});
const TZ = realBundle.policy.timeZone;
/** What the gate passes for evidence: the instant, the district's time zone and its justification rules. */
const at = (now: string = NOW): EvidenceContext => ({ now, timeZone: TZ, rules });
const codes = (result: JustificationResult): JustificationProblemCode[] =>
  result.ok ? [] : result.problems.map((problem) => problem.code);

const REAL_JUSTIFICATIONS = [
  // English
  'Student reported to the counselor that a classmate brought a knife to campus; I need the emergency contacts to reach the parents now.',
  'Subpoena from Stanislaus County Superior Court, case 2026-CR-01234, requires attendance records for March 2026.',
  'Parent called 911 at 1234 Main Street: student missing since 7:30 am, need contacts and schedule to locate her.',
  'Juvenile probation referral JP-2026/0415 under the county interagency agreement; officer needs the attendance history.',
  'Mr. Stewert in Lowertown reported the student threatened to hurt himself after 5th period. Need the parent phone numbers.',
  // Spanish
  'El estudiante amenazó con traer un arma a la escuela mañana; necesito los contactos de emergencia para avisar a sus padres.',
  'Orden judicial del Tribunal Superior del condado, caso 2026-00123: se requieren las calificaciones del semestre de otoño.',
  'Incendio en el gimnasio: necesito saber qué alumnos tienen asma o alergias para coordinar con los bomberos.',
  'La madre llamó al 911 porque la alumna no llegó a casa; necesito su horario y los teléfonos de contacto para buscarla.',
  // With HTML or script pasted in: the check is about quality; showing it as text is the UI's job.
  'Student wrote <script>alert(1)</script> in a threat note saying he will hurt classmates at lunch; need contacts.',
  'Copied from the report: <b>fight</b> near the gym, <img src=x onerror=alert(1)> two students injured, need parents.',
];

describe('checkJustification', () => {
  it.each(REAL_JUSTIFICATIONS)('accepts a real justification: %s', (text) => {
    const result = checkJustification(rules, text, context());
    expect(codes(result)).toEqual([]);
    expect(result.ok && result.text).toBe(normalizeText(text));
  });

  it('normalises: trims, collapses white space, drops control and invisible characters, composes NFC', () => {
    const decomposed = 'Nin\u0303o'; // n + combining tilde
    const text = `  \u200BStudent\u0000 threatened\t\tanother   student ${decomposed}\r\nat the bus stop; need the parents' phone numbers.\u202E  `;
    const result = checkJustification(rules, text, context());
    expect(result).toEqual({
      ok: true,
      text: "Student threatened another student Niño at the bus stop; need the parents' phone numbers.",
    });
  });

  it('refuses text shorter than the minimum, counting characters after normalisation', () => {
    const result = checkJustification(rules, '   Need      the   record   now   please  ', context());
    expect(codes(result)).toContain('too-short');
    const message = result.ok
      ? undefined
      : result.problems.find((problem) => problem.code === 'too-short')?.message;
    expect(message?.en).toMatch(/at least 40 characters/);
    expect(message?.es).toMatch(/al menos 40 caracteres/);
  });

  it('gives one problem for an empty box', () => {
    expect(codes(checkJustification(rules, ' \n\t ', context()))).toEqual(['too-short']);
  });

  it('refuses text longer than the maximum, and oversized input before any work', () => {
    const long = `${REAL_JUSTIFICATIONS[0]} `.repeat(30);
    expect(codes(checkJustification(rules, long, context()))).toContain('too-long');
    expect(codes(checkJustification(rules, 'x'.repeat(1_000_000), context()))).toEqual(['too-long']);
  });

  it('refuses input that is not a string', () => {
    expect(codes(checkJustification(rules, 42, context()))).toEqual(['not-text']);
    expect(codes(checkJustification(rules, undefined, context()))).toEqual(['not-text']);
  });

  it('refuses a run of the same character longer than the policy allows, but not numbers', () => {
    expect(codes(checkJustification(rules, 'a'.repeat(50), context()))).toContain('repeated-characters');
    expect(
      codes(
        checkJustification(
          rules,
          'Student threatened a teacher!!!!!!! Need the contacts of his parents now.',
          context(),
        ),
      ),
    ).toContain('repeated-characters');
    // Exactly the limit (4) is fine; case does not hide a run.
    expect(
      codes(
        checkJustification(
          rules,
          'Student yelled NOOOO and ran off campus toward the river; need the parents.',
          context(),
        ),
      ),
    ).toEqual([]);
    expect(
      codes(
        checkJustification(
          rules,
          'Student yelled NOOooo and ran off campus toward the river; need the parents.',
          context(),
        ),
      ),
    ).toContain('repeated-characters');
    expect(
      codes(
        checkJustification(
          rules,
          'Theft of $100000 in equipment reported, case 2026-000001; need the suspect student contacts.',
          context(),
        ),
      ),
    ).toEqual([]);
  });

  it.each([
    'asdf asdf asdf asdf asdf asdf asdf asdf asdf asdf',
    'qwertyuiopqwertyuiopqwertyuiopqwertyuiopqwerty',
    'lkjh poiu mnbv rewq lkjh poiu mnbv rewq need this record now',
    'qwertyuiop asdfghjkl zxcvbnm qwerty need record now',
    '1234567890 0987654321 1234567890 0987654321 student',
  ])('refuses keyboard runs: %s', (text) => {
    expect(codes(checkJustification(rules, text, context()))).toContain('keyboard-run');
  });

  it('does not refuse a real sentence containing a keyboard run inside a word or a number', () => {
    // "wert" in Lowertown and Stewert, "1234" in an address, "12345" in a case number, one "qwerty".
    for (const text of [
      'Officer Stewert from Lowertown PD asked for the attendance of the student for the burglary case.',
      'Student lives at 1234 Poplar Avenue and did not come home; need the parent contacts to locate him.',
      'Case 2026-12345 concerns a stolen qwerty keyboard from the library; the student admitted taking it.',
    ]) {
      expect(codes(checkJustification(rules, text, context()))).toEqual([]);
    }
  });

  it.each([
    ['only placeholder words', 'test test test test test test test test test test test'],
    ['n/a repeated', 'n/a n/a n/a n/a n/a n/a n/a n/a n/a n/a n/a n/a n/a n/a'],
    ['placeholder words of the policy', 'because reason justification because reason test ok'],
    ['too few different words', 'I need it I need it I need it I need it I need it I need it'],
    ['one word repeated', 'blah blah blah blah blah blah blah blah blah blah blah'],
    ['digits and punctuation only', '123. 456. 789. 123, 456; 789: 000 - 111 / 222 ... 333'],
    ['mostly placeholders', 'test test test test test test test need record for this student'],
  ])('refuses placeholders: %s', (_name, text) => {
    expect(codes(checkJustification(rules, text, context()))).toContain('placeholder');
  });

  it('refuses text that is not words', () => {
    expect(
      codes(checkJustification(rules, 'sdkfj sldkfj weoiru xmcvn qpwoei zmxncb sdfkjh wqpoer', context())),
    ).toContain('not-text');
    expect(
      codes(checkJustification(rules, '#### ;;;; //// ++++ ==== 0000 1111 2222 3333 (((( ))))', context())),
    ).toContain('not-text');
  });

  it('refuses the same text for another student within the reuse window', () => {
    const text = REAL_JUSTIFICATIONS[0] as string;
    const recent = [{ studentId: '100999', text, time: '2026-11-10T09:45:00-08:00' }];
    const result = checkJustification(rules, text, context({ recent }));
    expect(codes(result)).toEqual(['reused']);
    expect(result.ok ? '' : result.problems[0]?.message.en).toMatch(/another student in the last 30 minutes/);
  });

  it('refuses a near-same text (case, punctuation, spacing, accents) for another student', () => {
    const recent = [
      { studentId: '100999', text: REAL_JUSTIFICATIONS[5] as string, time: '2026-11-10T09:59:00-08:00' },
    ];
    const variant =
      'el estudiante amenazo con traer un arma a la escuela manana necesito los contactos de emergencia para avisar a sus padres';
    expect(codes(checkJustification(rules, variant, context({ recent })))).toEqual(['reused']);
  });

  it('allows the same text for the same student, after the window, or when the window is 0', () => {
    const text = REAL_JUSTIFICATIONS[1] as string;
    expect(
      checkJustification(
        rules,
        text,
        context({ recent: [{ studentId: '100234', text, time: '2026-11-10T09:59:00-08:00' }] }),
      ).ok,
    ).toBe(true);
    expect(
      checkJustification(
        rules,
        text,
        context({ recent: [{ studentId: '100999', text, time: '2026-11-10T09:29:00-08:00' }] }),
      ).ok,
    ).toBe(true);
    expect(
      checkJustification(
        { ...rules, reuseWindowMinutes: 0 },
        text,
        context({ recent: [{ studentId: '100999', text, time: NOW }] }),
      ).ok,
    ).toBe(true);
  });

  it('gives short bilingual messages for every problem', () => {
    const inputs: unknown[] = [
      'x',
      'a'.repeat(3000),
      'asdf asdf asdf asdf asdf asdf asdf asdf asdf asdf!!!!!!',
      'sdkfj sldkfj weoiru xmcvn qpwoei zmxncb sdfkjh wqpoer',
      17,
    ];
    const all = inputs.flatMap((input) => {
      const result = checkJustification(rules, input, context());
      return result.ok ? [] : result.problems;
    });
    expect(new Set(all.map((problem) => problem.code)).size).toBeGreaterThanOrEqual(6);
    for (const { message } of all) {
      expect(message.en.length).toBeGreaterThan(10);
      expect(message.es.length).toBeGreaterThan(10);
      expect(message.en.length).toBeLessThan(200);
      expect(message.es).not.toBe(message.en);
    }
  });
});

describe('checkEvidence', () => {
  const judicial = basisOf(realBundle, 'judicial-order').evidence;
  const emergency = basisOf(realBundle, 'health-safety-emergency').evidence;

  it('accepts complete, well-formed evidence and returns it normalised', () => {
    const result = checkEvidence(
      judicial,
      {
        'case-number': ' 2026-CR-01234 ',
        'issuing-court': 'Stanislaus   County Superior Court',
        'order-date': '2026-11-09',
        'order-forbids-notice': 'No',
      },
      at(),
    );
    expect(result).toEqual({
      ok: true,
      values: {
        'case-number': '2026-CR-01234',
        'issuing-court': 'Stanislaus County Superior Court',
        'order-date': '2026-11-09',
        'order-forbids-notice': 'no',
      },
    });
  });

  it('keeps line breaks in long text and drops empty optional fields', () => {
    const result = checkEvidence(
      emergency,
      {
        threat: '  Student said in class:\r\n\r\n\r\n"I will bring a gun tomorrow"  \u0007',
        'incident-number': 'CAD-2026-5561',
      },
      at(),
    );
    expect(result).toEqual({
      ok: true,
      values: {
        threat: 'Student said in class:\n\n"I will bring a gun tomorrow"',
        'incident-number': 'CAD-2026-5561',
      },
    });
    const optional = checkEvidence(
      judicial,
      {
        'case-number': 'ABC-1',
        'issuing-court': 'Court',
        'order-date': '2026-01-01',
        'order-forbids-notice': ' ',
      },
      at(),
    );
    expect(optional.ok && optional.values).not.toHaveProperty('order-forbids-notice');
  });

  const problemsOf = (fields: EvidenceField[], values: Record<string, string>) => {
    const result = checkEvidence(fields, values, at());
    return result.ok
      ? {}
      : Object.fromEntries(result.problems.map((problem) => [problem.field, problem.message.en]));
  };

  it('refuses missing required fields, bad case numbers, unknown keys', () => {
    expect(problemsOf(judicial, { 'case-number': '#!', 'order-date': '2026-11-01', extra: 'x' })).toEqual({
      extra: expect.stringMatching(/not asked for/),
      'case-number': expect.stringMatching(/case number/),
      'issuing-court': expect.stringMatching(/required/),
    });
  });

  it('refuses impossible dates, other formats and dates in the future (in the time zone of now)', () => {
    const base = { 'case-number': 'ABC-1', 'issuing-court': 'Court' };
    expect(problemsOf(judicial, { ...base, 'order-date': '2026-02-30' })).toHaveProperty('order-date');
    expect(problemsOf(judicial, { ...base, 'order-date': '11/09/2026' })).toHaveProperty('order-date');
    expect(problemsOf(judicial, { ...base, 'order-date': '2026-11-11' })['order-date']).toMatch(/future/);
    // 23:30 in California is already the 11th in UTC: the 10th is today, not the future.
    expect(
      checkEvidence(judicial, { ...base, 'order-date': '2026-11-10' }, at('2026-11-10T23:30:00-08:00')).ok,
    ).toBe(true);
  });

  it("compares order dates in the district's time zone, not UTC (fixed instants around midnight)", () => {
    const base = { 'case-number': 'ABC-1', 'issuing-court': 'Stanislaus County Superior Court' };
    const dated = (date: string, now: string) =>
      checkEvidence(judicial, { ...base, 'order-date': date }, at(now));
    // 16:30 Pacific on Dec 1 is 00:30 UTC on Dec 2: an order dated Dec 2 is still tomorrow in the district.
    expect(dated('2026-12-02', '2026-12-02T00:30:00Z')).toMatchObject({
      ok: false,
      problems: [{ field: 'order-date', message: { en: expect.stringContaining('2026-12-01 or earlier') } }],
    });
    expect(dated('2026-12-01', '2026-12-02T00:30:00Z').ok).toBe(true);
    // One second before and at midnight Pacific (08:00 UTC in winter).
    expect(dated('2026-12-02', '2026-12-02T07:59:59Z').ok).toBe(false);
    expect(dated('2026-12-02', '2026-12-02T08:00:00Z').ok).toBe(true);
    // Summer time: midnight Pacific is 07:00 UTC.
    expect(dated('2026-07-02', '2026-07-02T06:59:59Z').ok).toBe(false);
    expect(dated('2026-07-02', '2026-07-02T07:00:00Z').ok).toBe(true);
    // Just after midnight UTC in a zone ahead of it, the district's date is already the next day.
    const tokyo = { now: '2026-12-01T15:30:00Z', timeZone: 'Asia/Tokyo', rules };
    expect(checkEvidence(judicial, { ...base, 'order-date': '2026-12-02' }, tokyo).ok).toBe(true);
  });

  it('holds an articulable threat description to the justification rules (34 CFR 99.36)', () => {
    const threatProblem = (threat: string): string | undefined =>
      problemsOf(emergency, { threat, 'incident-number': 'CAD-2026-5561' }).threat;
    // Accepted today by a required-only check: each says nothing anyone could act on.
    expect(threatProblem('x')).toMatch(/at least 40 characters/);
    expect(threatProblem('asdf asdf asdf asdf asdf asdf asdf asdf asdf')).toMatch(/keyboard/i);
    expect(threatProblem('test test test test test test test test test n/a')).toMatch(/placeholder/i);
    expect(threatProblem('threat!!!!!!!! threat threat threat threat threat')).toMatch(/repeated/i);
    expect(threatProblem('sdkfj sldkfj weoiru xmcvn qpwoei zmxncb sdfkjh wqpoer')).toBe(
      'Describe this in words, in English or Spanish.',
    );
    // Spanish messages too, for the field it is shown under.
    const spanish = checkEvidence(emergency, { threat: 'x', 'incident-number': 'CAD-1' }, at());
    expect(spanish.ok || spanish.problems[0]?.message.es).toMatch(/al menos 40 caracteres/);
    // Real threats, English and Spanish, pass and keep their line breaks.
    for (const threat of [
      'A student told the counselor at 10:15 that a classmate has a handgun in his locker in the B wing.',
      'La alumna dijo a su maestra que su padrastro la amenazó con un cuchillo anoche;\nteme volver a casa.',
    ]) {
      expect(checkEvidence(emergency, { threat, 'incident-number': 'CAD-1' }, at())).toEqual({
        ok: true,
        values: { threat, 'incident-number': 'CAD-1' },
      });
    }
  });

  it('checks quality only where the policy asks for it, and never refuses one threat for several students', () => {
    const note: EvidenceField = { id: 'note', label: { en: 'Note' }, kind: 'text', required: true };
    const plain: EvidenceField[] = [note];
    expect(checkEvidence(plain, { note: 'x' }, at()).ok).toBe(true);
    const strict: EvidenceField[] = [{ ...note, quality: 'articulable' }];
    expect(checkEvidence(strict, { note: 'x' }, at()).ok).toBe(false);
    // The same description twice is fine: reuse across students is the justification's check, not the threat's.
    const threat = 'A student told the counselor at 10:15 that a classmate has a handgun in his locker.';
    expect(checkEvidence(strict, { note: threat }, at()).ok).toBe(true);
    expect(checkEvidence(strict, { note: threat }, at()).ok).toBe(true);
  });

  it('the policy schema refuses a quality check on a field that is not text', () => {
    const field = {
      id: 'order-date',
      label: { en: 'Date' },
      kind: 'date',
      required: true,
      quality: 'articulable',
    };
    const parsed = EvidenceFieldSchema.safeParse(field);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['quality'] });
    expect(EvidenceFieldSchema.safeParse({ ...field, kind: 'long-text' }).success).toBe(true);
    expect(EvidenceFieldSchema.safeParse({ ...field, kind: 'long-text', quality: 'vague' }).success).toBe(
      false,
    );
  });

  it('refuses yes-no answers other than yes or no', () => {
    const base = { 'case-number': 'ABC-1', 'issuing-court': 'Court', 'order-date': '2026-11-01' };
    expect(problemsOf(judicial, { ...base, 'order-forbids-notice': 'maybe' })).toHaveProperty(
      'order-forbids-notice',
    );
    expect(checkEvidence(judicial, { ...base, 'order-forbids-notice': 'YES' }, at())).toMatchObject({
      ok: true,
      values: { 'order-forbids-notice': 'yes' },
    });
  });

  it('caps lengths at 5000 characters', () => {
    expect(
      problemsOf(emergency, { threat: 'a threat '.repeat(700), 'incident-number': 'CAD-1' }),
    ).toHaveProperty('threat');
    expect(problemsOf(emergency, { threat: 'x'.repeat(100_000), 'incident-number': 'CAD-1' })).toHaveProperty(
      'threat',
    );
  });

  it('compiles patterns with the u flag and fails closed on one that does not compile', () => {
    const fields: EvidenceField[] = [
      { id: 'ref', label: { en: 'Ref' }, kind: 'text', required: true, pattern: '^\\p{Lu}{2}-\\d+$' },
      { id: 'bad', label: { en: 'Bad' }, kind: 'text', required: false, pattern: '\\q' },
    ];
    expect(checkEvidence(fields, { ref: 'ÉA-12' }, at()).ok).toBe(true);
    expect(problemsOf(fields, { ref: 'ab-12' })).toHaveProperty('ref');
    expect(problemsOf(fields, { ref: 'AB-1', bad: 'x' }).bad).toMatch(/cannot be checked/);
  });

  it('refuses values that are not strings', () => {
    const result = checkEvidence(
      emergency,
      { threat: 5, 'incident-number': 'CAD-1' } as Record<string, unknown>,
      at(),
    );
    expect(result.ok).toBe(false);
  });
});
