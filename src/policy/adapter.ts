import { z } from 'zod';
import { STUDENT_PLACEHOLDER } from './placeholders';
import { classifyField, compactField, compile } from '../decide/classify';
import { CategorySchema, IdSchema, RegexSourceSchema } from './vocabulary';

const SelectorSchema = z.string().min(1).max(300);

/**
 * How to read one value off a SIS page. `pattern` is applied to the raw value; its first capture group
 * (or the whole match) is the result.
 */
export const ExtractorSchema = z.discriminatedUnion('from', [
  z.strictObject({
    from: z.literal('text'),
    selector: SelectorSchema,
    pattern: RegexSourceSchema.optional(),
  }),
  z.strictObject({
    from: z.literal('attribute'),
    selector: SelectorSchema,
    attribute: z.string().min(1).max(100),
    pattern: RegexSourceSchema.optional(),
  }),
  z.strictObject({
    from: z.literal('hidden-input'),
    name: z.string().min(1).max(100),
    pattern: RegexSourceSchema.optional(),
  }),
  z.strictObject({
    from: z.literal('url-param'),
    param: z.string().min(1).max(100),
    pattern: RegexSourceSchema.optional(),
  }),
  z.strictObject({ from: z.literal('url-path'), pattern: RegexSourceSchema }),
]);
export type Extractor = z.infer<typeof ExtractorSchema>;

/** Which part of a page (or which URL) holds which record category. */
export const SectionRuleSchema = z
  .strictObject({
    category: CategorySchema,
    /** The page is this section when its path (and query) matches. */
    url: RegexSourceSchema.optional(),
    /** Elements of this section on a page that holds several. */
    selector: SelectorSchema.optional(),
  })
  .refine((rule) => rule.url !== undefined || rule.selector !== undefined, {
    message: 'a section needs a url pattern or a selector',
  });

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
    .refine((source) => !NOT_RE2.test(source), {
      message: 'uses look-around, a back-reference or a named group, which declarativeNetRequest cannot run',
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
    identity: z.array(ExtractorSchema).min(1),
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
    navigation: z.array(z.enum(['full-load', 'in-page', 'frames'])).min(1),
    /** Omitted: the adapter's pages are guarded by the in-page cover alone (no network rules). */
    network: NetworkSchema.optional(),
  })
  .superRefine((adapter, ctx) => {
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
