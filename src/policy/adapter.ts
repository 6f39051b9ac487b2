import { z } from 'zod';
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
  })
  .superRefine((adapter, ctx) => {
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
