// Answers the content script: which pages are guarded, and the verdict for a page or an export.
import { ulid } from 'ulid';
import { decide, decidePage } from '../decide/decide';
import { guardedFor, type GuardVerdict, type IdentityObservation, type KnownRole } from '../decide/guarded';
import { sensitiveFieldsFor } from '../policy/sensitive-fields';
import type { Decision } from '../decide/decision';
import type { Facts } from '../decide/facts';
import {
  type ExportCheck,
  type ExportVerdict,
  type PageEvaluate,
  type PageHello,
  type PageHelloReply,
  type PageIdentityReport,
  type PageVerdict,
} from '../contracts/page-guard';
import type { SisAdapter } from '../policy/adapter';
import type { PolicyBundle } from '../policy/bundle';
import { resolveRole } from '../policy/roles';
import type { Action, Category } from '../policy/vocabulary';
import { adapterForUrl, isSisHost, openPageFor } from '../sis/match';
import { database } from '../store/db';
import { latestDenial, withDenial } from './request-outcome';
import { openExportOnce } from '../enforce/export-allow';
import { planExportOpening } from '../enforce/export-rules';
import { identityForOrigin, identityForTab, loadIdentities, observe, signedOut } from './identities';
import { managedSettings } from './managed';
import { activePolicy, policyHeld } from './policy';
import { HELD_REASON } from './policy-source';
import { decisionDraft, record } from './audit';
import { uiLanguage } from './language';
import { releasableNonSro, republishIfPlanDisagrees } from './guard-plan';
import { ready } from './ready';
import { recordFacts } from './record-facts';
import { runAfter } from './tasks';

export interface PageSender {
  tabId?: number;
  frameId?: number;
  origin: string;
}

const adapterForHost = (bundle: PolicyBundle, url: string): SisAdapter | undefined =>
  adapterForUrl(bundle.adapters, url) ??
  (isSisHost(bundle.adapters, url)
    ? bundle.adapters.find((adapter) => isSisHost([adapter], url))
    : undefined);

export async function handleHello(message: PageHello, sender: PageSender): Promise<PageHelloReply> {
  const bundle = await activePolicy();
  const language = uiLanguage();
  if (!bundle) {
    // No valid policy: treat every SIS page as guarded, and let the verdict fail closed for SROs only.
    return { guard: 'check', knownNonSro: [], sensitiveLabels: [], sensitiveCodes: [], language };
  }
  const adapter = adapterForUrl(bundle.adapters, message.url);
  if (!adapter) {
    const open = openPageFor(bundle.adapters, message.url);
    return {
      guard: open ? (open.signIn ? 'sign-in' : 'identity') : 'none',
      ...(open ? { adapter: open.adapter } : {}),
      knownNonSro: [],
      sensitiveLabels: [],
      sensitiveCodes: [],
      language,
    };
  }
  const sensitive = sensitiveFieldsFor(bundle)[adapter.id];
  const releasable = releasableNonSro(await ready(), bundle, sender.origin);
  return {
    guard: 'check',
    adapter,
    knownNonSro: releasable.logins,
    knownNonSroNames: releasable.names,
    sensitiveLabels: sensitive?.labels ?? [],
    sensitiveCodes: sensitive?.codes ?? [],
    language,
  };
}

export interface DecisionInput {
  username: string | undefined;
  roleLabel: string | undefined;
  studentId: string | undefined;
  categories: Category[];
  fields: string[];
  action: Action;
}

/** Reads in progress, by student: the view, print and copy rulings of one page share one read. */
const studentReads = new Map<string, ReturnType<typeof readStudent>>();

/** What the database holds about one student, in one read-only transaction (not four). */
function readStudent(studentId: string) {
  const db = database();
  return db.transaction('r', [db.consents, db.requests, db.grants, db.students], () =>
    Promise.all([
      db.consents.where('studentId').equals(studentId).toArray(),
      db.requests.where('studentId').equals(studentId).toArray(),
      db.grants.where('studentId').equals(studentId).toArray(),
      db.students.get(studentId),
    ]),
  );
}

export async function gatherFacts(input: DecisionInput, studentId: string): Promise<Facts> {
  const managed = await managedSettings();
  let read = studentReads.get(studentId);
  if (!read) {
    read = readStudent(studentId);
    studentReads.set(studentId, read);
    const settled = (): void => void studentReads.delete(studentId);
    read.then(settled, settled);
  }
  const [consents, requests, grants, student] = await read;
  return {
    ...recordFacts(new Date(), input, managed, studentId, { consents, requests, grants, student }),
    action: input.action,
    categories: input.categories,
    fields: input.fields,
  };
}

type Ruling = Pick<Decision, 'outcome' | 'guarded' | 'citations'> & {
  reason: { en: string; es?: string | undefined };
  redactFields: string[];
  /** When the earliest consent, approval or grant that opened this ends. */
  until?: string;
  /** The decision behind it (it is what the log records). */
  decision: Decision;
};

/** Who a page shows as signed in: a login and a display name are separate (only the roster links them). */
export interface PageUser {
  username?: string | undefined;
  displayName?: string | undefined;
  roleLabel?: string | undefined;
  conflicting: boolean;
}

/**
 * Who is guarded on a page, from one read of the facts: the policy's setting, the managed role, what the page
 * shows and what this session saw on its origin. guardedFor() (the core) answers; this only gathers. The
 * page's user comes back as the roster's login (`pageUsername`): a page that shows only an SRO's display name
 * is that SRO's username from here on, for the host's record, the network rules, grants, requests and events.
 */
export async function guardOnPage(
  bundle: PolicyBundle | undefined,
  url: string,
  origin: string,
  page: PageUser,
  frame: boolean,
): Promise<{ who: GuardVerdict; pageRole: KnownRole; pageUsername: string | undefined }> {
  await loadIdentities();
  const managed = await managedSettings();
  const managedRole = bundle && !bundle.policy.roles.honourManagedRole ? undefined : managed.role;
  const resolved =
    page.conflicting || !bundle
      ? undefined
      : resolveRole(bundle.policy, {
          ...(page.username ? { username: page.username } : {}),
          ...(page.displayName ? { displayName: page.displayName } : {}),
          ...(page.roleLabel ? { roleLabel: page.roleLabel } : {}),
          ...(managedRole ? { managedRole } : {}),
        });
  const pageRole: KnownRole = resolved?.role ?? 'unknown';
  // Without a policy there is no roster to link a display name to anyone: only a login names the user.
  const pageUsername = page.conflicting ? undefined : bundle ? resolved?.username : page.username;
  const who = guardedFor({
    unidentifiedUser: bundle?.policy.roles.unidentifiedUser,
    managedRole,
    sisHost: bundle ? isSisHost(bundle.adapters, url) : true,
    pageRole,
    pageUsername,
    conflicting: page.conflicting,
    frame,
    host: identityForOrigin(origin),
  });
  return { who, pageRole, pageUsername };
}

/** One decision for one action: decidePage() answers every case (no policy, nobody guarded, no student). */
async function rule(
  bundle: PolicyBundle | undefined,
  input: DecisionInput,
  who: GuardVerdict,
): Promise<Ruling> {
  const asked = { ...input, username: who.username };
  const decision =
    bundle && who.guarded && who.role !== 'unknown' && input.studentId !== undefined
      ? decide(bundle, await gatherFacts(asked, input.studentId), who)
      : decidePage(
          bundle,
          {
            time: new Date().toISOString(),
            user: who.username ? { username: who.username } : {},
            action: input.action,
            categories: input.categories,
            fields: input.fields,
            consents: [],
            requests: [],
            grants: [],
          },
          who,
        );
  // A signed policy is required and none has verified yet: every guarded page stays covered, with that reason.
  if (who.guarded && (await policyHeld())) {
    return {
      outcome: 'block',
      guarded: true,
      citations: [],
      reason: HELD_REASON,
      redactFields: [],
      decision: { ...decision, outcome: 'block' },
    };
  }
  const ends = decision.coveredBy
    .map((coverage) => coverage.until)
    .filter((until): until is string => until !== undefined)
    .sort();
  // A records clerk denied the last request for this record: the covered page says so, with the reason.
  const denial =
    decision.guarded && !shows(decision.outcome) && !decision.pendingRequest
      ? await latestDenial(input.username, input.studentId ?? '', input.categories)
      : undefined;
  return {
    outcome: decision.outcome,
    guarded: decision.guarded,
    citations: decision.citations,
    reason: denial ? withDenial(decision.reason.text, denial) : decision.reason.text,
    redactFields: decision.redact.fields,
    ...(ends[0] ? { until: ends[0] } : {}),
    decision,
  };
}

const shows = (outcome: Decision['outcome']): boolean => outcome === 'allow' || outcome === 'redact';

/**
 * Logs a guarded decision (non-SRO users are never logged). Not awaited: the verdict does not wait for the
 * disk, and the write finishes in the worker even after the answer has gone.
 */
function recordRuling(
  bundle: PolicyBundle | undefined,
  input: DecisionInput,
  ruling: Ruling,
  type: 'decision' | 'export-blocked' = 'decision',
): void {
  if (!ruling.guarded) return;
  const actor = { username: input.username, role: input.username ? ('sro' as const) : ('unknown' as const) };
  const decision = { ...ruling.decision, outcome: ruling.outcome };
  record([decisionDraft(bundle, actor, input.studentId, decision, type)]).catch((error: unknown) =>
    console.error('Record Guard: could not log a decision', error),
  );
}

export interface EvaluateEffects {
  /** Called when what is known about who is signed in changes (DNR rules follow it). */
  identityChanged(): Promise<void>;
}

/** Origins whose last enforcement sync failed: the next page showing the same identity tries again. */
const failedSyncs = new Set<string>();

/**
 * Applies what a page showed to its origin (the rules are observeIdentity()'s, in the core) and, when that
 * changed anything, brings enforcement in line (DNR rules, the guard plan). A page that changes nothing costs
 * no storage write: rewriting storage.session and the dynamic DNR rules cost 20–90 ms per page.
 */
async function syncIdentity(
  origin: string,
  tabId: number | undefined,
  observation: IdentityObservation,
  effects: EvaluateEffects,
): Promise<void> {
  const changed = await observe(origin, tabId, observation);
  if (!changed && !failedSyncs.has(origin)) return;
  try {
    await effects.identityChanged();
    failedSyncs.delete(origin);
  } catch (error) {
    failedSyncs.add(origin);
    throw error;
  }
}

export async function handleEvaluate(
  message: PageEvaluate,
  sender: PageSender,
  effects: EvaluateEffects,
): Promise<PageVerdict> {
  const bundle = await activePolicy();
  const language = uiLanguage();
  const tabIdentity = sender.frameId !== 0 ? identityForTab(sender.tabId) : undefined;
  const conflicting = message.identity.conflicting;
  // A frame without its own header borrows the identity its tab's top page showed (already the roster's login).
  const own = message.identity.username !== undefined || message.identity.displayName !== undefined;
  const borrowed = conflicting || own ? undefined : tabIdentity?.username;
  const roleLabel = conflicting ? undefined : message.identity.roleLabel;
  const frame = sender.frameId !== 0;
  // One read of who is guarded serves the view, print and copy rulings and the identity the origin keeps.
  const { who, pageRole, pageUsername } = await guardOnPage(
    bundle,
    message.url,
    sender.origin,
    {
      username: conflicting ? undefined : (message.identity.username ?? borrowed),
      displayName: conflicting ? undefined : message.identity.displayName,
      roleLabel,
      conflicting,
    },
    frame,
  );
  // From here on the user is the roster's login, never the display name the page showed.
  const username = pageUsername;
  const input: DecisionInput = {
    username: who.username,
    roleLabel,
    studentId: message.studentId,
    categories: message.categories,
    fields: message.fields,
    action: 'view',
  };
  // A complete page is also ruled on for print and copy: started with the view so that one read of the
  // student's records serves all three (anyone but an SRO returns before reading).
  const printAndCopy = message.complete
    ? Promise.all([
        rule(bundle, { ...input, action: 'print' }, who),
        rule(bundle, { ...input, action: 'copy' }, who),
      ])
    : undefined;
  printAndCopy?.catch(() => undefined);
  const view = await rule(bundle, input, who);
  const adapter = bundle ? adapterForUrl(bundle.adapters, message.url) : undefined;
  if (adapter && (username !== undefined || !frame)) {
    await syncIdentity(
      sender.origin,
      sender.tabId,
      { kind: 'page', role: pageRole, username, adapterId: adapter.id },
      effects,
    );
  }
  const base = { decisionId: ulid(), language, citations: view.citations, reason: view.reason };
  if (!view.guarded) {
    return {
      ...base,
      guarded: false,
      show: true,
      outcome: view.outcome,
      redactFields: [],
      allowPrint: true,
      allowCopy: true,
    };
  }
  if (!printAndCopy) {
    // Identity-only check for an SRO (not complete): the page stays covered until its content has been read.
    return {
      ...base,
      guarded: true,
      show: false,
      outcome: 'block',
      redactFields: [],
      allowPrint: false,
      allowCopy: false,
    };
  }
  const [print, copy] = await printAndCopy;
  recordRuling(bundle, input, view);
  if (bundle && username !== undefined) {
    // Not awaited: keeping the plan in line with the verdicts does not hold up this one.
    republishIfPlanDisagrees(
      {
        username,
        studentId: message.studentId,
        conflicting,
        categories: message.categories,
        fields: message.fields,
      },
      shows(view.outcome),
    ).catch((error: unknown) => console.error('Record Guard: could not republish the guard plan', error));
  }
  return {
    ...base,
    guarded: true,
    show: shows(view.outcome),
    outcome: view.outcome,
    redactFields: view.redactFields,
    allowPrint: shows(print.outcome) && print.outcome === 'allow',
    allowCopy: shows(copy.outcome) && copy.outcome === 'allow',
    ...(shows(view.outcome) && view.until ? { recheckAt: view.until } : {}),
  };
}

/**
 * An open page's report of who is signed in (it holds no record, so nothing is decided or logged), or a sign-in
 * page's word that nobody is: who was signed in on the origin is forgotten, and with them the network rules'
 * view of that origin, so the next person is read afresh. A page showing no identity never overwrites one.
 */
export async function handleIdentity(
  message: PageIdentityReport,
  sender: PageSender,
  effects: EvaluateEffects,
): Promise<{ ok: true }> {
  const bundle = await activePolicy();
  const open = bundle ? openPageFor(bundle.adapters, message.url) : undefined;
  if (!bundle || !open || open.signIn !== message.signIn || sender.frameId !== 0) return { ok: true };
  if (message.signIn) {
    if (await signedOut(sender.origin, sender.tabId)) await effects.identityChanged();
    return { ok: true };
  }
  const { username, displayName, roleLabel, conflicting } = message.identity;
  const { pageRole, pageUsername } = await guardOnPage(
    bundle,
    message.url,
    sender.origin,
    { username, displayName, roleLabel, conflicting },
    false,
  );
  // An unknown identity never replaces a known one (observeIdentity): the header may not say enough here.
  await syncIdentity(
    sender.origin,
    sender.tabId,
    {
      kind: 'page',
      role: pageRole,
      username: pageUsername,
      adapterId: open.adapter.id,
    },
    effects,
  );
  return { ok: true };
}

const cannotOpen = (why: { en: string; es: string }) => ({
  en: `Blocked: Record Guard cannot open only this export (${why.en}).`,
  es: `Bloqueado: Record Guard no puede abrir solo esta exportación (${why.es}).`,
});

export async function handleExportCheck(message: ExportCheck, sender: PageSender): Promise<ExportVerdict> {
  const bundle = await activePolicy();
  const language = uiLanguage();
  const seen = identityForTab(sender.tabId);
  const { who } = await guardOnPage(
    bundle,
    message.url,
    sender.origin,
    { username: seen?.username, conflicting: false },
    false,
  );
  const input: DecisionInput = {
    username: who.username,
    roleLabel: undefined,
    studentId: message.studentId,
    categories: message.categories,
    fields: message.fields,
    action: message.action,
  };
  const ruling = await rule(bundle, input, who);
  let allowed = !ruling.guarded || ruling.outcome === 'allow';
  let reason = ruling.reason;
  let outcome = ruling.outcome;
  if (allowed && bundle) {
    // An allowed export opens only itself: the one request it was decided for, in this tab, once, for seconds.
    // A teacher's export is opened the same way (on a browser an SRO also uses, the endpoints are blocked), with
    // no limit on what it holds.
    const adapter = adapterForHost(bundle, message.url);
    const plan = adapter
      ? planExportOpening({
          adapter,
          control: adapter.exports.controls.find((control) => control.id === message.control),
          target: message.target,
          method: message.method,
          categories: ruling.guarded ? (ruling.decision?.categories ?? []) : undefined,
          tabId: sender.tabId,
        })
      : ({
          ok: false,
          why: { en: 'no SIS adapter for this page', es: 'no hay un adaptador del SIS para esta página' },
        } as const);
    if (plan.ok && adapter) {
      await openExportOnce(adapter, plan.opening, sender.origin, { later: runAfter });
    } else if (!plan.ok && ruling.guarded) {
      allowed = false;
      outcome = 'block';
      reason = cannotOpen(plan.why);
    }
  }
  recordRuling(
    bundle,
    input,
    allowed ? ruling : { ...ruling, outcome, reason },
    allowed ? 'decision' : 'export-blocked',
  );
  return { allowed, outcome, reason, language };
}
