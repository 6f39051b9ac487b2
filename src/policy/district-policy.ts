import { z } from 'zod';
import {
  ActionSchema,
  CATEGORIES,
  CategorySchema,
  IdSchema,
  LocalizedTextSchema,
  RegexSourceSchema,
  RoleSchema,
} from './vocabulary';

/** One person the district names in a role. SIS usernames and e-mails are matched case-insensitively. */
export const RosterEntrySchema = z
  .strictObject({
    role: RoleSchema,
    username: z.string().min(1).max(120).optional(),
    email: z.email().max(200).optional(),
    displayName: z.string().min(1).max(200).optional(),
    /**
     * Other names the SIS header may show for the person ("Jane Doe", "Doe, Jane"): a page that shows only a
     * display name (PowerSchool's "Welcome, Jane Doe") is matched on these and `displayName`.
     */
    displayNames: z.array(z.string().min(1).max(200)).max(10).optional(),
    /** The law-enforcement agency an SRO works for; consents may name the agency as recipient. */
    agency: z.string().min(1).max(200).optional(),
  })
  .refine((entry) => entry.username !== undefined || entry.email !== undefined, {
    message: 'a roster entry needs a username or an e-mail',
  });
export type RosterEntry = z.infer<typeof RosterEntrySchema>;

export const RoleLabelSchema = z.strictObject({
  role: RoleSchema,
  /** Matched against the role label the SIS shows for the signed-in user (e.g. "School Resource Officer"). */
  pattern: RegexSourceSchema,
});

export const RoleRecognitionSchema = z.strictObject({
  roster: z.array(RosterEntrySchema),
  roleLabels: z.array(RoleLabelSchema),
  /** Whether a role assigned to the managed browser by the admin (enterprise policy) is honoured. */
  honourManagedRole: z.boolean(),
  /**
   * What to do on a record page where the signed-in identity cannot be read at all.
   * `guard` fails closed: the page is handled as an SRO's. `leave` never touches it.
   */
  unidentifiedUser: z.enum(['guard', 'leave']),
});

export const RuleEffectSchema = z.enum(['allow', 'guard', 'deny']);
export type RuleEffect = z.infer<typeof RuleEffectSchema>;

/**
 * A rule for role × action × category.
 * - `allow`: no check at all (the default for staff other than SROs);
 * - `guard`: only consent, an approved exception or a justified grant opens it;
 * - `deny`: never, whatever is on file (immigration-related records for SROs).
 */
export const AccessRuleSchema = z.strictObject({
  id: IdSchema,
  role: RoleSchema,
  actions: z.array(ActionSchema).min(1),
  categories: z.array(CategorySchema).min(1),
  effect: RuleEffectSchema,
  citations: z.array(z.string().min(1).max(200)),
  explanation: LocalizedTextSchema,
});
export type AccessRule = z.infer<typeof AccessRuleSchema>;

export const CategoryDefinitionSchema = z.strictObject({
  id: CategorySchema,
  label: LocalizedTextSchema,
  /** Field labels and SIS field codes that belong to this category wherever they appear (page or export). */
  fieldPatterns: z.array(RegexSourceSchema),
});

export const JustificationRulesSchema = z.strictObject({
  minLength: z.number().int().min(1).max(2000),
  maxLength: z.number().int().min(20).max(20000),
  /** A run of the same character longer than this is junk ("aaaaaa"). */
  maxRepeatedCharacters: z.number().int().min(2).max(50),
  /** Words that, alone or nearly alone, are not a justification ("test", "n/a", "asdf"). */
  placeholderWords: z.array(z.string().min(1).max(50)),
  /** Rows of a keyboard; runs of 4+ keys along them are junk ("asdf", "qwerty"). */
  keyboardRows: z.array(z.string().min(4).max(40)),
  /** The same text for a different student within this window is refused as copy-paste. */
  reuseWindowMinutes: z
    .number()
    .int()
    .min(0)
    .max(60 * 24 * 30),
});
export type JustificationRules = z.infer<typeof JustificationRulesSchema>;

export const ReportingSchema = z.strictObject({
  /** The district hub's base URL, e.g. https://recordguard.district.example; omitted means log locally only. */
  hubUrl: z.url({ protocol: /^https?$/ }).optional(),
  batchSize: z.number().int().min(1).max(1000),
  /** Days a delivered event stays in the browser before pruning (the hub is the archive). */
  retentionDays: z.number().int().min(1).max(3650),
  board: z.strictObject({
    /**
     * Board report cells counting fewer than this are not shown, nor any value from which one could be worked
     * out (complementary suppression). 11 unless the district sets it.
     */
    smallCellThreshold: z.number().int().min(1).max(100).default(11),
    /** Student characteristics the Board report disaggregates by. */
    disaggregateBy: z.array(z.string().min(1).max(60)),
  }),
});

export const GrantSettingsSchema = z.strictObject({
  /** A grant never lasts longer than this, whatever its basis allows. */
  maxMinutes: z
    .number()
    .int()
    .positive()
    .max(60 * 24 * 366),
  /** Per-basis override of the basis's own maximum (only ever shorter). */
  perBasisMinutes: z.record(
    IdSchema,
    z
      .number()
      .int()
      .positive()
      .max(60 * 24 * 366),
  ),
});

export const DistrictSchema = z.strictObject({
  id: IdSchema,
  name: z.string().min(1).max(200),
  boardPolicy: z.strictObject({
    title: z.string().min(1).max(200),
    adopted: z.iso.date(),
    source: z.string().min(1).max(300),
    citations: z.array(z.string().min(1).max(200)),
  }),
});

export const DistrictPolicySchema = z
  .strictObject({
    $schema: z.string().optional(),
    format: z.literal('record-guard-policy/1'),
    id: IdSchema,
    /** Grows with every published change; a browser refuses an update whose version is not greater than the one it runs. */
    version: z.number().int().positive(),
    publishedAt: z.iso.datetime({ offset: true }),
    district: DistrictSchema,
    /** IANA time zone of the district: consent dates and ages are counted in it. */
    timeZone: z
      .string()
      .min(1)
      .max(60)
      .refine(
        (zone) => {
          try {
            new Intl.DateTimeFormat('en-US', { timeZone: zone });
            return true;
          } catch {
            return false;
          }
        },
        { message: 'is not a known IANA time zone' },
      ),
    /** Age at which a student consents for themself (34 CFR 99.3 "eligible student"). */
    ageOfMajority: z.number().int().min(14).max(21),
    roles: RoleRecognitionSchema,
    categories: z.array(CategoryDefinitionSchema),
    rules: z.array(AccessRuleSchema).min(1),
    /** Categories that count as directory information (34 CFR 99.37), if the district designates any. */
    directoryCategories: z.array(CategorySchema),
    grants: GrantSettingsSchema,
    justification: JustificationRulesSchema,
    reporting: ReportingSchema,
  })
  .superRefine((policy, ctx) => {
    const defined = new Set(policy.categories.map((category) => category.id));
    for (const category of CATEGORIES) {
      if (!defined.has(category)) {
        ctx.addIssue({
          code: 'custom',
          path: ['categories'],
          message: `category "${category}" is not defined`,
        });
      }
    }
    const ruleIds = new Set<string>();
    policy.rules.forEach((rule, index) => {
      if (ruleIds.has(rule.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', index, 'id'],
          message: `duplicate rule id "${rule.id}"`,
        });
      }
      ruleIds.add(rule.id);
    });
    if (policy.justification.minLength > policy.justification.maxLength) {
      ctx.addIssue({
        code: 'custom',
        path: ['justification', 'minLength'],
        message: 'is greater than justification.maxLength',
      });
    }
    if (policy.directoryCategories.includes('immigration')) {
      ctx.addIssue({
        code: 'custom',
        path: ['directoryCategories'],
        message: 'immigration-related records can never be directory information (Education Code 234.7)',
      });
    }
    policy.rules.forEach((rule, index) => {
      if (rule.role !== 'sro' && rule.effect !== 'allow') {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', index, 'effect'],
          message: 'must be "allow": Record Guard guards SROs only and never touches other staff',
        });
      }
      if (rule.role === 'sro' && rule.categories.includes('immigration') && rule.effect !== 'deny') {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', index, 'effect'],
          message: 'must be "deny" for SROs on immigration-related records (Education Code 234.7)',
        });
      }
    });
  });
export type DistrictPolicy = z.infer<typeof DistrictPolicySchema>;
