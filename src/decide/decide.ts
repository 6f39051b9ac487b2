import type { Consent, ExceptionRequest, Grant } from '../policy/consent';
import type { AccessRule, DistrictPolicy, RuleEffect } from '../policy/district-policy';
import type { LegalBasis, LegalBasisCatalog } from '../policy/legal-basis';
import { resolveRole, sameText } from '../policy/roles';
import { ACTIONS, CATEGORIES, type Action, type Category } from '../policy/vocabulary';
import { classificationFor, fieldCategories, splitFieldList, type ClassifyingAdapter } from './classify';
import { addMinutes, ageOn, birthdayOfAge, localDate, nextDate, startOfLocalDate } from './calendar';
import type { ConsentFinding, Coverage, Decision, DecisionOption, Outcome, ReasonCode } from './decision';
import type { Facts } from './facts';
import type { GuardVerdict } from './guarded';
import { reasonText } from './reasons';

/** The parts of a policy bundle the decision needs. */
export interface DecisionPolicy {
  policy: DistrictPolicy;
  legalBases: LegalBasisCatalog;
  /** The SIS adapters: their sensitive codes and labels and known export fields classify fields too. */
  adapters: readonly ClassifyingAdapter[];
}

const STRICTNESS: Record<RuleEffect, number> = { allow: 0, guard: 1, deny: 2 };

/** Export, print and copy also need what viewing needs: taking a record is never looser than seeing it. */
export function actionsNeeded(action: Action): Action[] {
  return action === 'view' ? ['view'] : ['view', action];
}

/** The longest grant a basis may give under this policy. */
export function grantLimitMinutes(policy: DistrictPolicy, basis: LegalBasis): number {
  const override = policy.grants.perBasisMinutes[basis.id];
  return Math.min(basis.maxGrantMinutes, policy.grants.maxMinutes, override ?? Number.POSITIVE_INFINITY);
}

/** Categories a basis can open: never immigration; directory information only within the district's designation. */
export function basisCategories(policy: DistrictPolicy, basis: LegalBasis): Category[] {
  const base = basis.categories ?? CATEGORIES.filter((category) => category !== 'immigration');
  return base.filter(
    (category) =>
      category !== 'immigration' &&
      (!basis.respectsDirectoryOptOut || policy.directoryCategories.includes(category)),
  );
}

/**
 * Categories named by the facts plus those the fields on the page or in the export reveal, classified by the
 * policy's patterns and every adapter's fields. An export's field list is split again here (commas,
 * semicolons, tabs, line breaks), whatever the page sent: a SIS reads "a\tb" as two fields.
 */
export function classifyCategories(
  bundle: Pick<DecisionPolicy, 'policy' | 'adapters'>,
  facts: Pick<Facts, 'categories' | 'fields' | 'action'>,
): {
  categories: Category[];
  fieldCategories: Map<string, Category>;
  /** Fields nothing classifies, in the order given. */
  unknownFields: string[];
} {
  const fields =
    facts.action === 'export' ? [...new Set(facts.fields.flatMap(splitFieldList))] : facts.fields;
  const purpose = facts.action === 'export' ? 'export' : 'view';
  const byField = fieldCategories(
    classificationFor(bundle.policy.categories, bundle.adapters, purpose),
    fields,
  );
  const found = new Set<Category>([...facts.categories, ...byField.values()]);
  return {
    categories: CATEGORIES.filter((category) => found.has(category)),
    fieldCategories: byField,
    unknownFields: fields.filter((field) => !byField.has(field)),
  };
}

function effectFor(
  rules: readonly AccessRule[],
  action: Action,
  category: Category,
): { effect: RuleEffect; rules: AccessRule[] } | undefined {
  let strictest: RuleEffect | undefined;
  const used: AccessRule[] = [];
  for (const needed of actionsNeeded(action)) {
    const matching = rules.filter(
      (rule) => rule.role === 'sro' && rule.actions.includes(needed) && rule.categories.includes(category),
    );
    if (matching.length === 0) return undefined;
    for (const rule of matching) {
      used.push(rule);
      if (strictest === undefined || STRICTNESS[rule.effect] > STRICTNESS[strictest]) strictest = rule.effect;
    }
  }
  return strictest === undefined ? undefined : { effect: strictest, rules: used };
}

interface CoverageContext {
  policy: DistrictPolicy;
  bases: Map<string, LegalBasis>;
  facts: Facts;
  username: string | undefined;
  agency: string | undefined;
  today: string;
  /** The catalog's written-consent basis (the one with mode consent-registry), if it has one. */
  consentBasis: LegalBasis | undefined;
}

function consentFinding(context: CoverageContext, consent: Consent): string | null {
  const { policy, facts, today } = context;
  const basis = context.consentBasis;
  if (!basis || !basis.enabled) return 'written consent is not enabled in the legal-basis catalog';
  if (consent.signedOn > today) return `signed on ${consent.signedOn}, which is after today (${today})`;
  if (consent.expiresOn !== undefined && consent.expiresOn < today) return `expired on ${consent.expiresOn}`;
  if (consent.revokedAt !== undefined && Date.parse(consent.revokedAt) <= Date.parse(facts.time)) {
    return `revoked at ${consent.revokedAt}`;
  }
  const recipient = consent.recipient;
  if (recipient.kind === 'sro' && !sameText(recipient.username, context.username)) {
    return `names another recipient (${recipient.username})`;
  }
  if (recipient.kind === 'agency' && !sameText(recipient.agency, context.agency)) {
    return `names another agency (${recipient.agency})`;
  }
  const birthDate = facts.student.birthDate;
  if (birthDate === undefined)
    return "the student's birth date is unknown, so who may consent cannot be checked";
  const adultNow = ageOn(birthDate, today) >= policy.ageOfMajority;
  if (consent.signer.relation === 'eligible-student') {
    if (ageOn(birthDate, consent.signedOn) < policy.ageOfMajority) {
      return `signed by the student before age ${policy.ageOfMajority}`;
    }
  } else if (adultNow) {
    return `signed by a ${consent.signer.relation}, but the student is ${policy.ageOfMajority} or older and consents for themself`;
  }
  return null;
}

/**
 * Whether a basis can open this category × action for an SRO under the policy in force. Coverage on file
 * (a consent, an approval, a grant) never reaches beyond its basis: a grant that names more categories or
 * actions than its basis covers, or whose basis the district has since narrowed, opens only what the basis
 * still covers, and directory information stops at a student's opt-out.
 */
function basisOpens(
  context: CoverageContext,
  basis: LegalBasis,
  category: Category,
  action: Action,
): boolean {
  return (
    basis.enabled &&
    basis.availableTo.includes('sro') &&
    basis.actions.includes(action) &&
    basisCategories(context.policy, basis).includes(category) &&
    (!basis.respectsDirectoryOptOut || context.facts.student.directoryOptOut === false)
  );
}

/** The end of a window that starts at `from`, asks for `until`, and may not outlast the basis's limit. */
function windowEnd(context: CoverageContext, basis: LegalBasis, from: string, until: string): string {
  const limit = Date.parse(addMinutes(from, grantLimitMinutes(context.policy, basis)));
  return new Date(Math.min(Date.parse(until), limit)).toISOString();
}

function requestWindow(
  context: CoverageContext,
  request: ExceptionRequest,
  category: Category,
  action: Action,
): { until: string } | null {
  const basis = context.bases.get(request.basis);
  if (request.status !== 'approved' || !basis || basis.mode !== 'approval') return null;
  if (!basisOpens(context, basis, category, action)) return null;
  if (request.validFrom === undefined || request.validUntil === undefined) return null;
  if (!sameText(request.username, context.username)) return null;
  const until = windowEnd(context, basis, request.validFrom, request.validUntil);
  const now = Date.parse(context.facts.time);
  return now >= Date.parse(request.validFrom) && now < Date.parse(until) ? { until } : null;
}

function grantWindow(
  context: CoverageContext,
  grant: Grant,
  category: Category,
  action: Action,
): { until: string } | null {
  const basis = context.bases.get(grant.basis);
  // Grants come from immediate bases only: a basis that needs a clerk's approval opens through an approved
  // request, never through a grant that skips the approval.
  if (!basis || basis.mode !== 'immediate') return null;
  if (!basisOpens(context, basis, category, action)) return null;
  if (!sameText(grant.username, context.username)) return null;
  const until = windowEnd(context, basis, grant.issuedAt, grant.expiresAt);
  const now = Date.parse(context.facts.time);
  return now >= Date.parse(grant.issuedAt) && now < Date.parse(until) ? { until } : null;
}

const scopeCovers = (
  scope: { studentId: string; categories: readonly Category[]; actions: readonly Action[] },
  studentId: string,
  category: Category,
  action: Action,
): boolean =>
  scope.studentId === studentId && scope.categories.includes(category) && scope.actions.includes(action);

/** Whether a consent (already found valid) covers one category × action, within what written consent opens. */
const consentCovers = (
  context: CoverageContext,
  consent: Consent,
  category: Category,
  action: Action,
): boolean =>
  context.consentBasis !== undefined &&
  basisOpens(context, context.consentBasis, category, action) &&
  scopeCovers(consent, context.facts.student.id, category, action);

const describePairs = (pairs: readonly { category: Category; action: Action }[]): string =>
  ACTIONS.filter((action) => pairs.some((pair) => pair.action === action))
    .map(
      (action) =>
        `${action} of ${pairs
          .filter((pair) => pair.action === action)
          .map((pair) => pair.category)
          .join(', ')}`,
    )
    .join('; ');

/**
 * For a consent that is valid in itself: null when it helps open a category that ends up open, otherwise
 * why it does not count here (it names other records or other actions than this page or export needs).
 */
function consentScopeFinding(
  context: CoverageContext,
  consent: Consent,
  guarded: readonly Category[],
  uncovered: readonly Category[],
): string | null {
  if (guarded.length === 0) return 'nothing here is opened by consent';
  const pairs = guarded.flatMap((category) =>
    actionsNeeded(context.facts.action).map((action) => ({ category, action })),
  );
  const covered = pairs.filter((pair) => consentCovers(context, consent, pair.category, pair.action));
  if (covered.length === 0) return `does not cover ${describePairs(pairs)}`;
  if (covered.some((pair) => !uncovered.includes(pair.category))) return null;
  const missing = pairs.filter(
    (pair) => covered.some((one) => one.category === pair.category) && !covered.includes(pair),
  );
  return `covers ${describePairs(covered)} but not ${describePairs(missing)}`;
}

/**
 * The instant a valid consent stops counting, if it does: the end of its expiry date in the district's time
 * zone, a revocation already scheduled, or, for a parent's or guardian's consent, the student's birthday of
 * majority. An instant, so that a page left open can cover itself again on time.
 */
function consentEnds(context: CoverageContext, consent: Consent): string | undefined {
  const { policy, facts } = context;
  const ends: string[] = [];
  if (consent.expiresOn !== undefined)
    ends.push(startOfLocalDate(nextDate(consent.expiresOn), policy.timeZone));
  if (consent.revokedAt !== undefined) ends.push(new Date(consent.revokedAt).toISOString());
  if (consent.signer.relation !== 'eligible-student' && facts.student.birthDate !== undefined) {
    ends.push(
      startOfLocalDate(birthdayOfAge(facts.student.birthDate, policy.ageOfMajority), policy.timeZone),
    );
  }
  return ends.sort((a, b) => Date.parse(a) - Date.parse(b))[0];
}

/** Finds what on file covers one category × action, preferring consent, then approvals, then grants. */
function findCoverage(
  context: CoverageContext,
  validConsents: readonly Consent[],
  category: Category,
  action: Action,
): Coverage | undefined {
  const studentId = context.facts.student.id;
  const consent = validConsents.find((candidate) => consentCovers(context, candidate, category, action));
  if (consent) {
    const until = consentEnds(context, consent);
    return {
      kind: 'consent',
      id: consent.id,
      basis: context.consentBasis?.id ?? 'consent',
      ...(until ? { until } : {}),
    };
  }
  for (const request of context.facts.requests) {
    if (!scopeCovers(request, studentId, category, action)) continue;
    const window = requestWindow(context, request, category, action);
    if (window) return { kind: 'request', id: request.id, basis: request.basis, until: window.until };
  }
  for (const grant of context.facts.grants) {
    if (!scopeCovers(grant, studentId, category, action)) continue;
    const window = grantWindow(context, grant, category, action);
    if (window) return { kind: 'grant', id: grant.id, basis: grant.basis, until: window.until };
  }
  return undefined;
}

function optionsFor(
  context: CoverageContext,
  categories: readonly Category[],
  action: Action,
): DecisionOption[] {
  const { policy, facts } = context;
  const needed = actionsNeeded(action);
  const options: DecisionOption[] = [];
  for (const basis of context.bases.values()) {
    if (basis.mode !== 'immediate' && basis.mode !== 'approval') continue;
    if (!basis.enabled || !basis.availableTo.includes('sro')) continue;
    if (!needed.every((one) => basis.actions.includes(one))) continue;
    const open = basisCategories(policy, basis);
    if (!categories.every((category) => open.includes(category))) continue;
    // Unknown opt-out status counts as opted out (34 CFR 99.37: opt-outs must be honoured).
    if (basis.respectsDirectoryOptOut && facts.student.directoryOptOut !== false) continue;
    options.push({
      basis: basis.id,
      title: basis.title,
      citations: basis.citations,
      mode: basis.mode,
      evidence: basis.evidence,
      grantMinutes: grantLimitMinutes(policy, basis),
      notice: {
        required: basis.notice.required,
        timing: basis.notice.timing,
        ...(basis.notice.waivedWhenEvidence ? { waivedWhenEvidence: basis.notice.waivedWhenEvidence } : {}),
      },
      review: basis.review === 'after-access',
    });
  }
  // Immediate ways forward first: an SRO under time pressure sees the emergency path at the top.
  return options.sort((a, b) => Number(a.mode === 'approval') - Number(b.mode === 'approval'));
}

/**
 * Decides one record view or export. Pure: the same policy and facts always give the same decision.
 * Anything it cannot establish for an SRO ends covered, never open.
 */
export function decide(bundle: DecisionPolicy, facts: Facts, who?: GuardVerdict): Decision {
  const { policy } = bundle;
  const resolved = resolveRole(policy, facts.user);
  // Who is guarded was decided once, by guardedFor(), from the page and what the session saw on the host: a
  // caller that has that verdict passes it, and decide() does not work it out again from the page alone.
  const role = who ? (who.guarded ? who.role : who.role === 'unknown' ? 'staff' : who.role) : resolved.role;
  const requires = {
    justification: { minLength: policy.justification.minLength, maxLength: policy.justification.maxLength },
    attestation: true,
  };
  const base = {
    role,
    action: facts.action,
    categories: [...facts.categories],
    redact: { categories: [] as Category[], fields: [] as string[] },
    coveredBy: [] as Coverage[],
    options: [] as DecisionOption[],
    rules: [] as string[],
    citations: [] as string[],
    consents: [] as ConsentFinding[],
    requires: null as Decision['requires'],
    policyVersion: policy.version,
  };
  const reason = (
    code: ReasonCode,
    categories: readonly Category[] = facts.categories,
    fields: readonly string[] = [],
  ) => ({
    code,
    text: reasonText(code, { action: facts.action, categories, studentId: facts.student.id, fields }),
  });

  const unidentified = role === 'unknown';
  if (who ? !who.guarded : role !== 'sro' && !(unidentified && policy.roles.unidentifiedUser === 'guard')) {
    return { ...base, outcome: 'allow', guarded: false, reason: reason('not-guarded') };
  }
  if (unidentified) {
    return { ...base, outcome: 'block', guarded: true, reason: reason('identity-unknown') };
  }

  const { categories, fieldCategories, unknownFields } = classifyCategories(bundle, facts);
  base.categories = categories;
  // Exports by allowlist: every field of an export's field list must be known. An immigration-related field
  // among them is refused below with its own reason (Education Code 234.7), whatever else is unknown.
  if (facts.action === 'export' && unknownFields.length > 0 && !categories.includes('immigration')) {
    return {
      ...base,
      outcome: 'block',
      guarded: true,
      unknownFields,
      reason: reason('export-field-unknown', categories, unknownFields),
    };
  }
  if (categories.length === 0) {
    return { ...base, outcome: 'block', guarded: true, reason: reason('categories-unknown') };
  }

  const rulesUsed = new Set<string>();
  const citations = new Set<string>();
  const denied: Category[] = [];
  const guardedCategories: Category[] = [];
  for (const category of categories) {
    const effect = effectFor(policy.rules, facts.action, category);
    if (!effect) {
      return { ...base, outcome: 'block', guarded: true, reason: reason('no-rule', [category]) };
    }
    for (const rule of effect.rules) {
      if (rule.effect !== effect.effect) continue;
      rulesUsed.add(rule.id);
      rule.citations.forEach((citation) => citations.add(citation));
    }
    if (effect.effect === 'deny') denied.push(category);
    else if (effect.effect === 'guard') guardedCategories.push(category);
  }
  base.rules = [...rulesUsed];
  base.citations = [...citations];
  const deniedFields = [...fieldCategories]
    .filter(([, category]) => denied.includes(category))
    .map(([field]) => field);
  base.redact = { categories: denied, fields: deniedFields };

  if (denied.length > 0 && facts.action !== 'view') {
    return { ...base, outcome: 'block', guarded: true, reason: reason('immigration-export-blocked', denied) };
  }

  const context: CoverageContext = {
    policy,
    bases: new Map(bundle.legalBases.bases.map((basis) => [basis.id, basis])),
    consentBasis: bundle.legalBases.bases.find((basis) => basis.mode === 'consent-registry'),
    facts,
    // The roster's login for whoever the page showed (a display name, an e-mail or the login itself): grants,
    // requests and consents are kept under it. Never the display name.
    username: resolved.username ?? facts.user.username,
    agency: resolved.rosterEntry?.agency ?? facts.user.agency,
    today: localDate(facts.time, policy.timeZone),
  };
  const forStudent = facts.consents.filter((consent) => consent.studentId === facts.student.id);
  const invalid = forStudent.map((consent) => consentFinding(context, consent));
  const validConsents = forStudent.filter((_, index) => invalid[index] === null);

  const uncovered: Category[] = [];
  const coverage = new Map<string, Coverage>();
  for (const category of guardedCategories) {
    let covered = true;
    for (const action of actionsNeeded(facts.action)) {
      const found = findCoverage(context, validConsents, category, action);
      if (found) coverage.set(`${found.kind}:${found.id}`, found);
      else covered = false;
    }
    if (!covered) uncovered.push(category);
  }
  base.consents = forStudent.map((consent, index) => {
    const why = invalid[index] ?? consentScopeFinding(context, consent, guardedCategories, uncovered);
    return { id: consent.id, counts: why === null, why: why ?? 'counts' };
  });
  const basisCitations = (ids: Iterable<string>): string[] =>
    [...ids].flatMap((id) => context.bases.get(id)?.citations ?? []);

  if (uncovered.length === 0) {
    const coveredBy = [...coverage.values()];
    const shown: Outcome = denied.length > 0 ? 'redact' : 'allow';
    return {
      ...base,
      outcome: shown,
      guarded: true,
      coveredBy,
      citations: [...new Set([...base.citations, ...basisCitations(coveredBy.map((c) => c.basis))])],
      reason: reason(
        denied.length > 0 ? 'immigration-redacted' : guardedCategories.length > 0 ? 'covered' : 'rule-allows',
      ),
    };
  }

  if (context.username === undefined) {
    // An SRO known only by the browser's managed role or the page's role label, with no user name: whatever
    // basis they stated, the grant or request would name nobody, so none is offered. The reason says to sign
    // in again rather than letting the gate refuse a basis with a message that blames the basis.
    return {
      ...base,
      outcome: 'block',
      guarded: true,
      coveredBy: [...coverage.values()],
      reason: reason('identity-unknown', uncovered),
    };
  }
  const options = optionsFor(context, uncovered, facts.action);
  const pending = facts.requests.find(
    (request) =>
      request.status === 'pending' &&
      sameText(request.username, context.username) &&
      uncovered.every((category) =>
        actionsNeeded(facts.action).every((action) =>
          scopeCovers(request, facts.student.id, category, action),
        ),
      ),
  );
  const stuck = { ...base, guarded: true, options, requires, coveredBy: [...coverage.values()] };
  if (pending) {
    return {
      ...stuck,
      outcome: 'request',
      pendingRequest: pending.id,
      reason: reason('awaiting-approval', uncovered),
    };
  }
  if (options.some((option) => option.mode === 'immediate')) {
    return { ...stuck, outcome: 'justify', reason: reason('not-covered', uncovered) };
  }
  if (options.length > 0) {
    return { ...stuck, outcome: 'request', reason: reason('not-covered', uncovered) };
  }
  return { ...stuck, outcome: 'block', requires: null, reason: reason('no-basis', uncovered) };
}

/** A page's facts before the student is known: everything decide() reads but the student. */
export type PageFacts = Omit<Facts, 'student'> & { student?: Facts['student'] | undefined };

/**
 * decide() for a page or export as the background meets it: with no valid policy in force, and with no student
 * read from the page, each answered with its reason code. `who` is guardedFor()'s verdict.
 */
export function decidePage(
  bundle: DecisionPolicy | undefined,
  facts: PageFacts,
  who: GuardVerdict,
): Decision {
  const student = facts.student;
  if (bundle && student) return decide(bundle, { ...facts, student }, who);
  const code: ReasonCode = !bundle
    ? 'no-policy'
    : !who.guarded
      ? 'not-guarded'
      : who.role === 'unknown'
        ? 'identity-unknown'
        : 'student-unknown';
  const guarded = who.guarded;
  return {
    outcome: guarded ? 'block' : 'allow',
    role: who.role,
    guarded,
    reason: {
      code,
      text: reasonText(code, { action: facts.action, categories: facts.categories, studentId: '' }),
    },
    rules: [],
    citations: [],
    action: facts.action,
    categories: [...facts.categories],
    redact: { categories: [], fields: [] },
    coveredBy: [],
    options: [],
    requires: null,
    consents: [],
    policyVersion: bundle?.policy.version ?? 0,
  };
}
