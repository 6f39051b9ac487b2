import { z } from 'zod';
import { STUDENT_PLACEHOLDER } from './placeholders';
import { classifyField, compactField, compile } from '../decide/classify';
import { CategorySchema, IdSchema } from './vocabulary';
import { SafeRegexSchema as RegexSourceSchema, checkRegex, hasCaptureGroup } from './safe-regex';

/**
 * Why a CSS selector cannot run, or undefined. Where a DOM exists (options page, recorder) the browser's own
 * parser decides; in the background and in Node a structural check catches what makes querySelectorAll throw
 * most often (unbalanced brackets, parentheses or quotes, a dangling combinator or comma).
 */
export function selectorProblem(selector: string): string | undefined {
  const doc = (globalThis as { document?: Document }).document;
  if (doc?.createDocumentFragment) {
    try {
      doc.createDocumentFragment().querySelector(selector);
      return undefined;
    } catch {
      return 'is not a valid CSS selector';
    }
  }
  const closing: Record<string, string> = { '[': ']', '(': ')' };
  const open: string[] = [];
  let quote: string | undefined;
  for (let index = 0; index < selector.length; index += 1) {
    const char = selector[index] as string;
    if (char === '\\') {
      index += 1;
      continue;
    }
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'") quote = char;
    else if (char === '[' || char === '(') open.push(closing[char] as string);
    else if (char === ']' || char === ')') {
      if (open.pop() !== char) return 'is not a valid CSS selector (unbalanced brackets)';
    }
  }
  if (quote !== undefined || open.length > 0)
    return 'is not a valid CSS selector (unclosed quote or bracket)';
  const trimmed = selector.trim();
  if (/^[>+~,]|[>+~,]$|,\s*,/.test(trimmed))
    return 'is not a valid CSS selector (dangling combinator or comma)';
  return undefined;
}

const SelectorSchema = z
  .string()
  .min(1)
  .max(300)
  .superRefine((selector, ctx) => {
    const problem = selectorProblem(selector);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * What an identity extractor reads: the login (matched against the roster's usernames and e-mails) or the
 * display name the header shows ("Welcome, Jane Doe"), matched against the roster's display names.
 */
const YieldsSchema = z.enum(['login', 'display-name']).optional();

/**
 * How to read one value off a SIS page. `pattern` is applied to the raw value; its first capture group
 * (or the whole match) is the result.
 */
export const ExtractorSchema = z.discriminatedUnion('from', [
  z.strictObject({
    from: z.literal('text'),
    selector: SelectorSchema,
    pattern: RegexSourceSchema.optional(),
    yields: YieldsSchema,
  }),
  z.strictObject({
    from: z.literal('attribute'),
    selector: SelectorSchema,
    attribute: z.string().min(1).max(100),
    pattern: RegexSourceSchema.optional(),
    yields: YieldsSchema,
  }),
  z.strictObject({
    from: z.literal('hidden-input'),
    name: z.string().min(1).max(100),
    pattern: RegexSourceSchema.optional(),
    yields: YieldsSchema,
  }),
  /** The document's title ("Jane Doe - Aeries"), e.g. an account name the shell puts there. */
  z.strictObject({
    from: z.literal('title'),
    pattern: RegexSourceSchema,
    yields: YieldsSchema,
  }),
  z.strictObject({
    from: z.literal('url-param'),
    param: z.string().min(1).max(100),
    pattern: RegexSourceSchema.optional(),
  }),
  z.strictObject({ from: z.literal('url-path'), pattern: RegexSourceSchema }),
]);
export type Extractor = z.infer<typeof ExtractorSchema>;

/**
 * Identity extractors, and how long to wait for an app that fills its header after load. The plain array form
 * (no late wait) is still accepted.
 */
export const IdentitySchema = z
  .union([
    z.array(ExtractorSchema).min(1),
    z.strictObject({
      read: z.array(ExtractorSchema).min(1),
      /**
       * Milliseconds to keep waiting, after the page is parsed, for an identity the app fills in late (a
       * hash-routed app that loads its header by XHR). The page stays covered meanwhile; at most 5 s. Absent:
       * the core's default bound (DEFAULT_LATE_IDENTITY_MS in src/decide/guarded.ts, 300 ms).
       */
      lateWaitMs: z.number().int().min(0).max(5000).optional(),
    }),
  ])
  .transform((identity) => (Array.isArray(identity) ? { read: identity } : identity));

/**
 * Which part of a page (or which URL) holds which record category. Each condition given adds the category on
 * its own (they are alternatives, not all required).
 */
export const SectionRuleSchema = z
  .strictObject({
    category: CategorySchema,
    /** The page is this section when its path (and query) matches. */
    url: RegexSourceSchema.optional(),
    /** Elements of this section on a page that holds several. */
    selector: SelectorSchema.optional(),
    /** The screen's heading text matches (a shell that loads every screen at one URL). */
    heading: RegexSourceSchema.optional(),
    /** Where headings are read for `heading`; default "h1, h2, h3, [role=heading]" (src/sis/limits.ts). */
    headingSelector: SelectorSchema.optional(),
    /** The document's title matches. */
    title: RegexSourceSchema.optional(),
    /**
     * A form field on the page with this name (and, if given, a value matching `value`): a WebForms shell that
     * POSTs each screen re-renders the posted screen field (e.g. a hidden "screen" input) in the response.
     */
    formField: z
      .strictObject({ name: z.string().min(1).max(100), value: RegexSourceSchema.optional() })
      .optional(),
    /** The URL's fragment (without "#") matches: hash-routed apps ("#/student/123/attendance"). */
    fragment: RegexSourceSchema.optional(),
  })
  .refine(
    (rule) =>
      [rule.url, rule.selector, rule.heading, rule.title, rule.formField, rule.fragment].some(
        (condition) => condition !== undefined,
      ),
    { message: 'a section needs a url, selector, heading, title, formField or fragment' },
  );

export const ExportControlSchema = z.strictObject({
  id: IdSchema,
  /** The clickable element or form that starts the export, print or report run. */
  selector: SelectorSchema,
  kind: z.enum(['link', 'form', 'button', 'print', 'report']),
  /** Categories the export contains; omitted means "whatever the page's sections are". */
  categories: z.array(CategorySchema).optional(),
  /**
   * For field-list exports: the input whose value lists the exported fields (separated by commas, semicolons,
   * tabs or line breaks). Every field must be known (the policy's patterns, an adapter's codes and labels, or
   * `exports.fields`) and none immigration-related.
   */
  fieldList: SelectorSchema.optional(),
  /**
   * The endpoint (an `exports.endpoints` id) this control sends its request to. A field-list export's own
   * endpoint opens for the fields decided, whatever categories the endpoint declares.
   */
  endpoint: IdSchema.optional(),
});

export const ExportEndpointSchema = z.strictObject({
  id: IdSchema,
  /** A declarativeNetRequest urlFilter (|| and ^ anchors, * wildcard), relative to the adapter's hosts. */
  urlFilter: z.string().min(1).max(300),
  categories: z.array(CategorySchema).min(1),
});

/**
 * Fields an export of this SIS can include that the policy's patterns may not recognise (quick-export codes,
 * report columns), with the record category each belongs to. Names compare by their letters and digits:
 * "Last_Name", "last name" and "LastName" are one name.
 */
export const ExportFieldSchema = z.strictObject({
  category: CategorySchema,
  names: z
    .array(
      z
        .string()
        .min(1)
        .max(100)
        .refine((name) => compactField(name).length > 0, { message: 'must contain a letter or digit' }),
    )
    .min(1),
});

/** Where a label in a table cell has its value (see `labelCells` below). */
const LABEL_VALUE_AT = ['next-cell', 'row-below', 'either'] as const;
const LabelCellRuleSchema = z.strictObject({
  value: z.enum(LABEL_VALUE_AT),
  /** Only tables matching this selector are read by this rule (a page that mixes layouts). */
  tables: SelectorSchema.optional(),
});
export const LabelCellsSchema = z.union(
  [z.boolean(), LabelCellRuleSchema, z.array(LabelCellRuleSchema).min(1).max(20)],
  {
    // zod's own union message is "Invalid input": say what is allowed, and what was given.
    error: (issue) => {
      const allowed = LABEL_VALUE_AT.map((value) => `"${value}"`).join(', ');
      const rules: unknown[] = Array.isArray(issue.input) ? issue.input : [issue.input];
      const index = rules.findIndex(
        (rule) =>
          typeof rule === 'object' &&
          rule !== null &&
          !LABEL_VALUE_AT.includes((rule as { value?: never }).value as never),
      );
      const rule = rules[index] as { value?: unknown } | undefined;
      if (rule !== undefined) {
        const where = Array.isArray(issue.input) ? `rule [${index}]: ` : '';
        return `${where}value ${JSON.stringify(rule.value) ?? '(none)'} is not allowed: use one of ${allowed}`;
      }
      return `must be true, false, { "value": ${allowed.replace(/, /g, ' | ')}, "tables"?: selector } or a list of those`;
    },
  },
);

export const SensitiveFieldSchema = z.strictObject({
  category: CategorySchema,
  /** Labels as the SIS prints them. */
  labels: z.array(RegexSourceSchema),
  /** Field codes as the SIS names them in markup (data- attributes, input names, report field lists). */
  codes: z.array(z.string().min(1).max(100)),
  /** Where the codes appear in markup, e.g. "[data-field]" read from attribute "data-field". */
  codeAttribute: z.string().min(1).max(100).optional(),
});

/** What RE2 (declarativeNetRequest's engine) cannot run: look-around, back-references, named groups. */
const NOT_RE2 = /\(\?<?[=!]|\\[1-9]|\\k<|\(\?<[A-Za-z]|\(\?P/;

const compiles = (source: string): boolean => {
  try {
    new RegExp(source, 'iu');
    return true;
  } catch {
    return false;
  }
};

/**
 * RE2 compiles `x{1,200}` as two hundred copies of `x`; declarativeNetRequest refuses a rule whose program
 * passes about 2 KB (`memoryLimitExceeded`, seen with `[^?#]{1,200}` in a PowerSchool open path), so a network
 * pattern keeps its counts small.
 */
const MAX_NETWORK_COUNT = 10;

/** The largest bound of any unescaped `{n}`, `{n,}` or `{n,m}` in a pattern (0 when it has none). */
function largestCount(source: string): number {
  let largest = 0;
  for (const match of source.matchAll(/(\\*)\{(\d+)(?:,(\d*))?\}/gu)) {
    if ((match[1] ?? '').length % 2 === 1) continue;
    largest = Math.max(largest, Number(match[2]), Number(match[3] || 0));
  }
  return largest;
}

/**
 * A regular expression that declarativeNetRequest's RE2 engine can run as well as JavaScript, matched against
 * a URL's whole path and query (Record Guard anchors it; a rule RE2 cannot compile would be refused whole).
 */
const networkRegex = (placeholder?: string) =>
  z
    .string()
    .min(1)
    .max(500)
    .refine((source) => placeholder === undefined || source.split(placeholder).length === 2, {
      message: `must contain ${placeholder ?? ''} exactly once`,
    })
    .refine((source) => compiles(placeholder ? source.replace(placeholder, '(?:x)') : source), {
      message: 'is not a valid regular expression',
    })
    .refine((source) => checkRegex(placeholder ? source.replace(placeholder, '(?:x)') : source).ok, {
      message: 'can backtrack catastrophically (a repeated part inside another)',
    })
    .refine((source) => !NOT_RE2.test(source), {
      message: 'uses look-around, a back-reference or a named group, which declarativeNetRequest cannot run',
    })
    .refine((source) => largestCount(source) <= MAX_NETWORK_COUNT, {
      message: `has a counted repetition above {${MAX_NETWORK_COUNT}}, which Chromium's RE2 expands past its memory limit for a rule (the rule set is then refused): use * or + instead`,
    })
    .refine((source) => !source.startsWith('^') && !source.endsWith('$'), {
      message: 'is anchored by Record Guard (it matches the whole path and query): leave out ^ and $',
    });

export const RecordEndpointSchema = z.strictObject({
  id: IdSchema,
  /** What the endpoint serves: a page (documents and frames) or data fetched by page script (JSON, CSV). */
  kind: z.enum(['document', 'data']),
  /**
   * The whole path and query, as a regular expression with `{student}` where the student id stands, e.g.
   * "/admin/students/grades\\.html\\?frn=001{student}(?:&[^#]*)?". It opens for an SRO only for a student the
   * guard plan lets them view in every one of `categories`.
   */
  url: networkRegex(STUDENT_PLACEHOLDER),
  /** Every record category the endpoint can return. */
  categories: z.array(CategorySchema).min(1),
  /**
   * POSTs to this endpoint name the student only in the body (WebForms postbacks): they reach the page and the
   * in-page cover decides, as the second line of defence.
   */
  postback: z.boolean().default(false),
});
export type RecordEndpoint = z.infer<typeof RecordEndpointSchema>;

/**
 * Network-first enforcement: while an SRO may be signed in on the adapter's hosts, every document, frame and
 * data request there is blocked (a navigation is taken to the gate) except the open pages and the record
 * endpoints the guard plan allows for a student.
 */
export const NetworkSchema = z.strictObject({
  /** Paths (with query) that hold no student record: sign-in, sign-out, start and search pages, app shells. */
  openPaths: z.array(networkRegex()),
  /**
   * The SIS's own sign-in and sign-out pages (among or beside the open pages): seeing one ends what this browser
   * knew about who was signed in on that origin, so the next person's identity is read afresh.
   */
  signInPaths: z.array(networkRegex()).default([]),
  records: z.array(RecordEndpointSchema),
  /**
   * Record pages whose URL does not name the student (the SIS keeps the student in its session, or in the form
   * a screen posts): the network cannot tell whose record they hold, so they load as pages (top-level or
   * framed, any method) and the in-page cover decides. Page script's fetches of them stay blocked. Everything
   * else on the host keeps the network rules: the data endpoints, unknown paths, scripts outside openPaths.
   */
  coverPaths: z.array(networkRegex()).default([]),
});

export const SisAdapterSchema = z
  .strictObject({
    $schema: z.string().optional(),
    format: z.literal('record-guard-adapter/1'),
    id: IdSchema,
    name: z.string().min(1).max(200),
    /** How much of this adapter has been checked against a live instance, and what still needs checking. */
    verification: z.strictObject({
      status: z.enum(['verified', 'from-public-documentation']),
      toCheck: z.array(z.string().min(1).max(500)),
      sources: z.array(z.string().min(1).max(300)),
    }),
    match: z.strictObject({
      /** Host names, with an optional leading "*." wildcard and optional ":port". */
      hosts: z
        .array(
          z
            .string()
            .min(1)
            .max(200)
            .regex(/^(\*\.)?[a-z0-9.-]+(:\d{1,5})?$/, 'must be a host name, optionally with *. and :port'),
        )
        .min(1),
      /** Paths (with query) the adapter guards; a page matching none is left alone. */
      paths: z.array(RegexSourceSchema).min(1),
    }),
    /**
     * Pages of the SIS that are not records. `identityOnly` (shells, start pages) establish who is signed in
     * and are never covered, even where `match.paths` would guard them; `signIn` (sign-in and sign-out pages)
     * end what the browser knew about who was signed in on that origin. Paths with query, whole-path match.
     */
    pages: z
      .strictObject({
        identityOnly: z.array(RegexSourceSchema).default([]),
        signIn: z.array(RegexSourceSchema).default([]),
      })
      .default({ identityOnly: [], signIn: [] }),
    /**
     * Higher wins when two adapters claim a URL; two adapters that claim the same host and path at the same
     * priority are refused. The bundled demo adapter has -100, so any real adapter on 127.0.0.1 wins over it.
     */
    priority: z.number().int().min(-100).max(100).default(0),
    identity: IdentitySchema,
    roleLabel: z.array(ExtractorSchema),
    student: z.array(ExtractorSchema).min(1),
    sections: z.array(SectionRuleSchema).min(1),
    exports: z.strictObject({
      controls: z.array(ExportControlSchema),
      endpoints: z.array(ExportEndpointSchema),
      fields: z.array(ExportFieldSchema).default([]),
    }),
    sensitiveFields: z.array(SensitiveFieldSchema),
    /** Elements that hold field labels (their text is matched against category patterns); default "th, label, dt". */
    fieldLabels: SelectorSchema.default('th, label, dt'),
    /**
     * Labels also sit in plain table cells (PowerSchool, Synergy, Aeries grids). `true` (or
     * `{ "value": "next-cell" }`): in a row of `td` pairs the first of each pair is a label and the next cell its
     * value; a cell ending in ":" is a label wherever it is. `{ "value": "row-below" }`: a row of `td` labels
     * over a row of values, each value under its label (colspan and rowspan honoured). `{ "value": "either" }`:
     * both, and both places are masked. `tables` limits a rule to tables matching a selector; a list of rules
     * reads each table by the first rule that covers it (a page that mixes layouts). A `th` column
     * header's values (the column below it) and a `th` row header's (the cells after it) are read under any
     * rule. See src/sis/label-cells.ts.
     */
    labelCells: LabelCellsSchema.default(false),
    navigation: z.array(z.enum(['full-load', 'in-page', 'frames'])).min(1),
    /** Omitted: the adapter's pages are guarded by the in-page cover alone (no network rules). */
    network: NetworkSchema.optional(),
  })
  .superRefine((adapter, ctx) => {
    // An identity pattern must say which part is the name: without a group the whole match would be taken,
    // usually with the "Welcome," or "Signed in as" around it, and match nobody on the roster.
    adapter.identity?.read?.forEach((extractor, index) => {
      if (extractor.pattern !== undefined && !hasCaptureGroup(extractor.pattern)) {
        ctx.addIssue({
          code: 'custom',
          path: ['identity', 'read', index, 'pattern'],
          message: 'has no capture group: put the name in ( )',
        });
      }
    });
    const ids = new Set<string>();
    adapter.network?.records.forEach((endpoint, index) => {
      if (ids.has(endpoint.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['network', 'records', index, 'id'],
          message: `duplicate record endpoint id "${endpoint.id}"`,
        });
      }
      ids.add(endpoint.id);
    });
    const endpointIds = new Set(adapter.exports.endpoints.map((endpoint) => endpoint.id));
    adapter.exports.controls.forEach((control, index) => {
      if (control.endpoint !== undefined && !endpointIds.has(control.endpoint)) {
        ctx.addIssue({
          code: 'custom',
          path: ['exports', 'controls', index, 'endpoint'],
          message: `names endpoint "${control.endpoint}" that exports.endpoints does not have`,
        });
      }
    });
    // An export field the adapter itself knows as immigration-related cannot be declared as something else:
    // the definition would be a way to let it out, so the whole adapter is refused.
    const sensitive = compile(
      adapter.sensitiveFields.map((field) => ({
        id: field.category,
        fieldPatterns: field.labels,
        codes: field.codes,
      })),
    );
    const seen = new Map<string, string>();
    adapter.exports.fields.forEach((field, fieldIndex) => {
      field.names.forEach((name, nameIndex) => {
        const path = ['exports', 'fields', fieldIndex, 'names', nameIndex];
        const key = compactField(name);
        const earlier = seen.get(key);
        if (earlier !== undefined && earlier !== field.category) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `"${name}" is already listed under ${earlier}`,
          });
        }
        seen.set(key, field.category);
        const known = classifyField(sensitive, name);
        if (known === 'immigration' && field.category !== 'immigration') {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `"${name}" is an immigration-related field in sensitiveFields; it cannot be exported as ${field.category}`,
          });
        }
      });
    });
  });
export type SisAdapter = z.infer<typeof SisAdapterSchema>;
