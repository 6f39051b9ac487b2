// Quality checks of what an SRO writes at the gate: the free-text justification and the evidence a legal
// basis asks for. Pure: plain data in, plain data out, no browser, no clock (the caller passes `now`).
//
// The checks refuse junk, not style: a real sentence in English or Spanish, with case numbers, addresses or
// even HTML pasted into it, passes. Rendering the text safely is the UI's job, not this module's.
import type { JustificationRules } from '../policy/district-policy';
import type { EvidenceField } from '../policy/legal-basis';
import { localDate } from './calendar';

export type JustificationProblemCode =
  'too-short' | 'too-long' | 'repeated-characters' | 'keyboard-run' | 'placeholder' | 'reused' | 'not-text';

export interface Message {
  en: string;
  es: string;
}

export interface JustificationProblem {
  code: JustificationProblemCode;
  message: Message;
}

export interface RecentJustification {
  studentId: string;
  text: string;
  time: string;
}

export interface JustificationContext {
  studentId: string;
  /** An ISO instant: the reuse window is counted back from it. */
  now: string;
  /** What this user gave recently (any student); the check refuses the same text for another student. */
  recent: readonly RecentJustification[];
}

export type JustificationResult =
  { ok: true; text: string } | { ok: false; problems: JustificationProblem[] };

/** Share of letters and digits inside keyboard runs from which the text counts as keyboard mashing. */
export const KEYBOARD_RUN_SHARE = 0.25;
/** Keyboard runs this long or longer count ("asdf", "4321"). */
export const KEYBOARD_RUN_LENGTH = 4;
/** Fewer distinct meaningful words than this is not a justification. */
export const MIN_DISTINCT_WORDS = 5;
/** Input longer than this is refused before any other work, whatever the policy says. */
const HARD_INPUT_LIMIT = 200_000;

/**
 * Trims, turns every run of white space into one space, drops control and invisible format characters
 * (zero-width spaces, bidi overrides) and composes to Unicode NFC.
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\s+/gu, ' ')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** Key for "the same text": case, accents, punctuation and spacing do not matter. */
export function reuseKey(text: string): string {
  return normalizeText(text)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

const codePoints = (text: string): number => [...text].length;

function problem(code: JustificationProblemCode, en: string, es: string): JustificationProblem {
  return { code, message: { en, es } };
}

/** At most `max` characters of user text for a message, so one pasted page does not become the message. */
function sample(text: string, max = 12): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max).join('')}…`;
}

/** The longest run of one repeated character (case-insensitive), digits and spaces excluded. */
function longestRepeat(text: string): { char: string; length: number } {
  let best = { char: '', length: 0 };
  let current = '';
  let length = 0;
  for (const char of text.toLowerCase()) {
    if (char === current) length += 1;
    else {
      current = char;
      length = 1;
    }
    // Numbers repeat digits for real ("$10000", case 2026-000014); spaces are already collapsed.
    if (/[\p{Nd} ]/u.test(char)) continue;
    if (length > best.length) best = { char, length };
  }
  return best;
}

interface KeyboardScan {
  /** Letters and digits inside runs of KEYBOARD_RUN_LENGTH or more keys along a row. */
  covered: number;
  /** Letters and digits in the text. */
  total: number;
  /** Whole words (letters only) that are one keyboard run ("asdf", "qwerty", "poiuy"). */
  runWords: Set<string>;
}

function keyboardPairs(rows: readonly string[]): { forward: Set<string>; backward: Set<string> } {
  const forward = new Set<string>();
  const backward = new Set<string>();
  for (const row of rows) {
    const keys = [...row.toLowerCase()];
    for (let i = 0; i + 1 < keys.length; i += 1) {
      forward.add(`${keys[i]}${keys[i + 1]}`);
      backward.add(`${keys[i + 1]}${keys[i]}`);
    }
  }
  return { forward, backward };
}

/** Marks the characters of `chars` that sit in runs of `minimum`+ consecutive pairs from `pairs`. */
function markRuns(
  chars: readonly string[],
  pairs: ReadonlySet<string>,
  marks: boolean[],
  minimum: number,
): void {
  let start = 0;
  for (let i = 1; i <= chars.length; i += 1) {
    const linked = i < chars.length && pairs.has(`${chars[i - 1]}${chars[i]}`);
    if (!linked) {
      if (i - start >= minimum) for (let j = start; j < i; j += 1) marks[j] = true;
      start = i;
    }
  }
}

function scanKeyboard(text: string, rows: readonly string[]): KeyboardScan {
  const { forward, backward } = keyboardPairs(rows);
  let covered = 0;
  let total = 0;
  const runWords = new Set<string>();
  // Runs are looked for inside each stretch of letters and digits: "as df" is two words, not a run.
  for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const chars = [...match[0]];
    const marks = chars.map(() => false);
    markRuns(chars, forward, marks, KEYBOARD_RUN_LENGTH);
    markRuns(chars, backward, marks, KEYBOARD_RUN_LENGTH);
    const inRuns = marks.filter(Boolean).length;
    covered += inRuns;
    total += chars.length;
    if (inRuns === chars.length && /^\p{L}+$/u.test(match[0])) runWords.add(match[0]);
  }
  return { covered, total, runWords };
}

const VOWELS = /[aeiouy]/;

interface WordScan {
  /** Every token is a placeholder word, punctuation or a number. */
  onlyPlaceholders: boolean;
  /** Distinct words of two letters or more that are not placeholders, keyboard runs or one repeated letter. */
  distinctMeaningful: number;
  meaningfulCount: number;
  placeholderCount: number;
  /** Latin words of 4+ letters without a vowel ("sdkfj"), and how many Latin words of 4+ letters there are. */
  vowelless: number;
  longLatin: number;
}

function scanWords(text: string, placeholders: ReadonlySet<string>, runWords: ReadonlySet<string>): WordScan {
  const lower = text.toLowerCase();
  const tokens = lower.split(' ').filter((token) => token.length > 0);
  const isFiller = (token: string): boolean => {
    if (placeholders.has(token)) return true;
    const core = token.replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, '');
    return core.length === 0 || placeholders.has(core) || /^[\p{N}\p{P}\p{S}]+$/u.test(core);
  };
  const onlyPlaceholders = tokens.every(isFiller);

  const meaningful = new Set<string>();
  let meaningfulCount = 0;
  let placeholderCount = 0;
  let vowelless = 0;
  let longLatin = 0;
  for (const match of lower.matchAll(/\p{L}+/gu)) {
    const word = match[0];
    const chars = [...word];
    if (placeholders.has(word) || runWords.has(word)) {
      placeholderCount += 1;
      continue;
    }
    if (chars.length < 2 || chars.every((char) => char === chars[0])) continue;
    meaningful.add(word);
    meaningfulCount += 1;
    if (chars.length >= 4 && /^\p{Script=Latin}+$/u.test(word)) {
      longLatin += 1;
      if (!VOWELS.test(word.normalize('NFD').replace(/\p{M}/gu, ''))) vowelless += 1;
    }
  }
  return {
    onlyPlaceholders,
    distinctMeaningful: meaningful.size,
    meaningfulCount,
    placeholderCount,
    vowelless,
    longLatin,
  };
}

function minutesBetween(a: string, b: string): number {
  return Math.abs(Date.parse(a) - Date.parse(b)) / 60_000;
}

/**
 * Checks a justification against the district's rules. Returns the normalised text to store, or every
 * problem found, each with a short bilingual message the gate shows as is.
 */
export function checkJustification(
  rules: JustificationRules,
  text: unknown,
  context: JustificationContext,
): JustificationResult {
  if (typeof text !== 'string') {
    return {
      ok: false,
      problems: [
        problem('not-text', 'Type the justification as text.', 'Escriba la justificación como texto.'),
      ],
    };
  }
  if (text.length > HARD_INPUT_LIMIT) {
    return {
      ok: false,
      problems: [
        problem(
          'too-long',
          `Shorten it to at most ${rules.maxLength} characters.`,
          `Acórtela a ${rules.maxLength} caracteres como máximo.`,
        ),
      ],
    };
  }

  const normalized = normalizeText(text);
  const length = codePoints(normalized);
  const problems: JustificationProblem[] = [];

  if (length < rules.minLength) {
    problems.push(
      problem(
        'too-short',
        `Say what happened and why you need this record: at least ${rules.minLength} characters (now ${length}).`,
        `Diga qué pasó y por qué necesita este expediente: al menos ${rules.minLength} caracteres (ahora ${length}).`,
      ),
    );
    // An empty box has one problem only: it is empty.
    if (length === 0) return { ok: false, problems };
  }
  if (length > rules.maxLength) {
    problems.push(
      problem(
        'too-long',
        `Shorten it to at most ${rules.maxLength} characters (now ${length}).`,
        `Acórtela a ${rules.maxLength} caracteres como máximo (ahora ${length}).`,
      ),
    );
  }

  const repeat = longestRepeat(normalized);
  if (repeat.length > rules.maxRepeatedCharacters) {
    const run = sample(repeat.char.repeat(repeat.length), 8);
    problems.push(
      problem(
        'repeated-characters',
        `Remove the repeated characters ("${run}"): no more than ${rules.maxRepeatedCharacters} in a row.`,
        `Quite los caracteres repetidos ("${run}"): no más de ${rules.maxRepeatedCharacters} seguidos.`,
      ),
    );
  }

  const keyboard = scanKeyboard(normalized, rules.keyboardRows);
  if (
    keyboard.total > 0 &&
    (keyboard.covered / keyboard.total >= KEYBOARD_RUN_SHARE || keyboard.runWords.size >= 2)
  ) {
    const example = sample([...keyboard.runWords][0] ?? 'asdf');
    problems.push(
      problem(
        'keyboard-run',
        `Remove keyboard patterns such as "${example}" and describe the situation in words.`,
        `Quite secuencias de teclado como "${example}" y describa la situación con palabras.`,
      ),
    );
  }

  const placeholders = new Set(rules.placeholderWords.map((word) => normalizeText(word).toLowerCase()));
  const words = scanWords(normalized, placeholders, keyboard.runWords);
  if (words.onlyPlaceholders) {
    problems.push(
      problem(
        'placeholder',
        'Replace placeholder text such as "test" or "n/a" with what actually happened.',
        'Reemplace el texto de relleno como "test" o "n/a" por lo que realmente pasó.',
      ),
    );
  } else if (words.placeholderCount > 0 && words.placeholderCount >= words.meaningfulCount) {
    problems.push(
      problem(
        'placeholder',
        'Most of this is placeholder text ("test", "n/a"…). Say what actually happened.',
        'Casi todo es texto de relleno ("test", "n/a"…). Diga lo que realmente pasó.',
      ),
    );
  } else if (words.distinctMeaningful < MIN_DISTINCT_WORDS) {
    problems.push(
      problem(
        'placeholder',
        `Use at least ${MIN_DISTINCT_WORDS} different words to say what happened and why you need this record.`,
        `Use al menos ${MIN_DISTINCT_WORDS} palabras distintas para decir qué pasó y por qué necesita este expediente.`,
      ),
    );
  }

  const visible = normalized.replace(/ /g, '');
  const letters = (visible.match(/\p{L}/gu) ?? []).length;
  const visibleLength = codePoints(visible);
  const mostlySymbols = visibleLength > 0 && letters / visibleLength < 0.5;
  const mashed = words.vowelless >= 3 && words.vowelless / words.longLatin >= 0.4;
  if (mostlySymbols || mashed) {
    problems.push(
      problem(
        'not-text',
        'Write the justification in words, in English or Spanish.',
        'Escriba la justificación con palabras, en inglés o en español.',
      ),
    );
  }

  if (rules.reuseWindowMinutes > 0 && length > 0) {
    const key = reuseKey(normalized);
    const reused = context.recent.some(
      (entry) =>
        entry.studentId !== context.studentId &&
        minutesBetween(entry.time, context.now) <= rules.reuseWindowMinutes &&
        reuseKey(entry.text) === key,
    );
    if (reused) {
      problems.push(
        problem(
          'reused',
          `You gave this same text for another student in the last ${rules.reuseWindowMinutes} minutes. Write why you need this student's record.`,
          `Usted dio este mismo texto para otro estudiante en los últimos ${rules.reuseWindowMinutes} minutos. Escriba por qué necesita el expediente de este estudiante.`,
        ),
      );
    }
  }

  return problems.length === 0 ? { ok: true, text: normalized } : { ok: false, problems };
}

// --- evidence -------------------------------------------------------------------------------------------

export const EVIDENCE_MAX_LENGTH = 5000;

export interface EvidenceProblem {
  field: string;
  message: Message;
}

export type EvidenceResult =
  { ok: true; values: Record<string, string> } | { ok: false; problems: EvidenceProblem[] };

/** Like normalizeText, but a long text keeps its line breaks (at most one blank line in a row). */
function normalizeLongText(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(/[^\S\n]+/gu, ' ')
    .replace(/[\p{Cf}]|(?!\n)\p{Cc}/gu, '')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function compilePattern(source: string): RegExp | undefined {
  try {
    return new RegExp(source, 'u');
  } catch {
    return undefined;
  }
}

export interface EvidenceContext {
  /** An ISO instant: no date may be after its calendar date in `timeZone`. */
  now: string;
  /**
   * The district's IANA time zone. Dates on documents are the district's dates: at 17:00 in California it is
   * already tomorrow in UTC, and an order dated tomorrow must still be refused.
   */
  timeZone: string;
  /** The district's justification rules, which `articulable` fields are held to. */
  rules: JustificationRules;
}

/**
 * An `articulable` field's value against the justification rules. Reuse across students is not checked: one
 * threat (a weapon on campus) may rightly be given for every student it concerns.
 */
function articulableProblem(rules: JustificationRules, value: string): Message | undefined {
  const result = checkJustification(rules, value, { studentId: '', now: '', recent: [] });
  if (result.ok) return undefined;
  const [first] = result.problems;
  if (!first) return undefined;
  // The justification's own wording names the justification; this names the field the message sits under.
  return first.code === 'not-text'
    ? {
        en: 'Describe this in words, in English or Spanish.',
        es: 'Descríbalo con palabras, en inglés o en español.',
      }
    : first.message;
}

/**
 * Checks the evidence values against the fields a legal basis asks for. Returns the normalised values of the
 * known, non-empty fields, or a problem per field. Dates are bounded by today in the district's time zone (an
 * order cannot be dated tomorrow); `articulable` descriptions pass the justification's quality checks.
 */
export function checkEvidence(
  fields: readonly EvidenceField[],
  values: Record<string, unknown>,
  context: EvidenceContext,
): EvidenceResult {
  const problems: EvidenceProblem[] = [];
  const out: Record<string, string> = {};
  const known = new Map(fields.map((field) => [field.id, field]));
  const today = localDate(context.now, context.timeZone);

  for (const key of Object.keys(values)) {
    if (!known.has(key)) {
      problems.push({
        field: key,
        message: {
          en: 'This field is not asked for by the chosen legal basis.',
          es: 'La base legal elegida no pide este campo.',
        },
      });
    }
  }

  for (const field of fields) {
    const raw = Object.hasOwn(values, field.id) ? values[field.id] : undefined;
    if (raw !== undefined && typeof raw !== 'string') {
      problems.push({
        field: field.id,
        message: { en: 'Enter this as text.', es: 'Escríbalo como texto.' },
      });
      continue;
    }
    if (raw !== undefined && raw.length > EVIDENCE_MAX_LENGTH * 4) {
      problems.push({
        field: field.id,
        message: {
          en: `Shorten this to at most ${EVIDENCE_MAX_LENGTH} characters.`,
          es: `Acórtelo a ${EVIDENCE_MAX_LENGTH} caracteres como máximo.`,
        },
      });
      continue;
    }
    const value =
      raw === undefined ? '' : field.kind === 'long-text' ? normalizeLongText(raw) : normalizeText(raw);
    if (value.length === 0) {
      if (field.required) {
        problems.push({
          field: field.id,
          message: {
            en: 'This is required for this legal basis.',
            es: 'Este dato es obligatorio para esta base legal.',
          },
        });
      }
      continue;
    }
    const length = codePoints(value);
    if (length > EVIDENCE_MAX_LENGTH) {
      problems.push({
        field: field.id,
        message: {
          en: `Shorten this to at most ${EVIDENCE_MAX_LENGTH} characters (now ${length}).`,
          es: `Acórtelo a ${EVIDENCE_MAX_LENGTH} caracteres como máximo (ahora ${length}).`,
        },
      });
      continue;
    }

    let checked = value;
    if (field.kind === 'yes-no') {
      checked = value.toLowerCase();
      if (checked !== 'yes' && checked !== 'no') {
        problems.push({ field: field.id, message: { en: 'Answer yes or no.', es: 'Responda sí o no.' } });
        continue;
      }
    } else if (field.kind === 'date') {
      if (!isCalendarDate(value)) {
        problems.push({
          field: field.id,
          message: {
            en: 'Enter a real date as YYYY-MM-DD, e.g. 2026-03-14.',
            es: 'Escriba una fecha real como AAAA-MM-DD, p. ej. 2026-03-14.',
          },
        });
        continue;
      }
      if (value > today) {
        problems.push({
          field: field.id,
          message: {
            en: `This date is in the future: it must be ${today} or earlier.`,
            es: `Esta fecha es futura: debe ser ${today} o anterior.`,
          },
        });
        continue;
      }
    }
    if (field.quality === 'articulable') {
      const junk = articulableProblem(context.rules, value);
      if (junk) {
        problems.push({ field: field.id, message: junk });
        continue;
      }
    }
    if (field.pattern !== undefined) {
      const pattern = compilePattern(field.pattern);
      if (!pattern) {
        // Fail closed: a policy pattern this browser cannot compile accepts nothing, and says so.
        problems.push({
          field: field.id,
          message: {
            en: 'This field cannot be checked (the policy pattern is invalid). Tell the district admin.',
            es: 'Este campo no se puede verificar (el patrón de la política no es válido). Avise al administrador del distrito.',
          },
        });
        continue;
      }
      if (!pattern.test(checked)) {
        problems.push({
          field: field.id,
          message: {
            en:
              field.kind === 'case-number'
                ? 'This does not look like a case number: letters, digits, "-", "/" or "." as on the document.'
                : 'This is not in the expected format.',
            es:
              field.kind === 'case-number'
                ? 'Esto no parece un número de caso: letras, dígitos, "-", "/" o "." como en el documento.'
                : 'Esto no tiene el formato esperado.',
          },
        });
        continue;
      }
    }
    out[field.id] = checked;
  }

  return problems.length === 0 ? { ok: true, values: out } : { ok: false, problems };
}
