// The gate's background side: what the SRO was stopped on, which legal bases can cover it, and what happens
// when one is stated — a time-boxed grant at once (emergency) or a request a records clerk must approve.
import { ulid } from 'ulid';
import { z } from 'zod';
import { actionsNeeded, decide } from '../decide/decide';
import { localDate } from '../decide/calendar';
import { checkEvidence, checkJustification } from '../decide/justification';
import type {
  GateBlockedReply,
  GateContext,
  GateOpen,
  GateSubmit,
  GateSubmitResult,
  PopupStatus,
} from '../contracts/gate';
import type { ExceptionRequest, Grant } from '../policy/consent';
import { CategorySchema } from '../policy/vocabulary';
import { database } from '../store/db';
import { consoleUrl, latestDenial } from './request-outcome';
import { refreshOptOut } from './optout-sync';
import { identityForOrigin, identityForTab, loadIdentities } from './identities';
import { managedSettings } from './managed';
import { gateNonce } from './gate-nonce';
import { fileRequest, putGrant, republishPlan } from './access-records';
import { recordRequestFor } from '../sis/match';
import { readUrlCategories } from '../sis/read-page';
import { activePolicy, policyHeld } from './policy';
import { HELD_REASON } from './policy-source';
import { gatherFacts, type PageSender } from './page-service';
import { baseDraft, decisionDraft, record as recordEvents } from './audit';
import type { EventDraft } from '../store/log';

const GATE_PREFIX = 'gate.';

/** Why a gate opened from a tab that never showed its user cannot go on, in words an SRO can act on. */
export const IDENTITY_UNKNOWN = {
  en: 'Record Guard could not tell who is signed in to the SIS in that tab, so nothing can be recorded in your name. Sign in to the SIS again, then open the record again.',
  es: 'Record Guard no pudo saber quién inició sesión en el SIS en esa pestaña, así que no se puede registrar nada a su nombre. Vuelva a iniciar sesión en el SIS y abra el expediente de nuevo.',
};
const RECENT_KEY = 'justifications.recent';
export const GRANT_ALARM_PREFIX = 'grant-expiry:';

const GateRecordSchema = z.object({
  context: z.object({
    gateId: z.string(),
    studentId: z.string(),
    categories: z.array(CategorySchema),
    action: z.enum(['view', 'export', 'print', 'copy']),
    url: z.string(),
  }),
  username: z.string().optional(),
  fields: z.array(z.string()),
  tabId: z.number().optional(),
});
type GateRecord = z.infer<typeof GateRecordSchema>;

const RecentSchema = z.array(
  z.object({ username: z.string(), studentId: z.string(), text: z.string(), time: z.string() }),
);

/** Remembers what a tab was stopped on, for the gate to read and submit. */
async function storeGate(
  request: Omit<GateOpen, 'channel'>,
  username: string | undefined,
  tabId: number | undefined,
): Promise<string> {
  const gateId = ulid();
  const record: GateRecord = {
    context: {
      gateId,
      studentId: request.studentId,
      categories: request.categories,
      action: request.action,
      url: request.url,
    },
    username,
    fields: request.fields,
    ...(tabId !== undefined ? { tabId } : {}),
  };
  await browser.storage.session.set({ [GATE_PREFIX + gateId]: record });
  return gateId;
}

/** Remembers what a tab was stopped on and opens the gate next to it. */
export async function openGate(message: GateOpen, sender: PageSender): Promise<{ opened: boolean }> {
  const gateId = await storeGate(message, identityForTab(sender.tabId)?.username, sender.tabId);
  const opener =
    sender.tabId !== undefined ? await browser.tabs.get(sender.tabId).catch(() => undefined) : undefined;
  await browser.tabs.create({
    url: browser.runtime.getURL(`/gate.html#${gateId}`),
    ...(opener?.index !== undefined ? { index: opener.index + 1 } : {}),
    ...(sender.tabId !== undefined ? { openerTabId: sender.tabId } : {}),
  });
  return { opened: true };
}

/**
 * A navigation the network rules took to the gate (`gate.html#blocked=<url>`): what the URL asks for, read by
 * the adapters' own record patterns, becomes a gate like a covered page's, and the decision is logged.
 */
export async function openBlockedGate(
  url: string,
  nonce: string,
  tabId: number | undefined,
): Promise<GateBlockedReply> {
  // Only a navigation the network rules redirected carries this session's nonce: a web page that opens the
  // gate itself gets nothing decided, logged or reopened.
  if (nonce !== (await gateNonce()) || !/^https?:\/\//i.test(url)) return { kind: 'unclassified' };
  const bundle = await activePolicy();
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    return { kind: 'unclassified' };
  }
  await loadIdentities();
  const seen = identityForOrigin(origin);
  const managed = await managedSettings();
  if (seen?.role !== 'sro' && managed.role !== 'sro') {
    // The rules lagged behind the identity read (a teacher who opened a record right after signing in where an
    // SRO was): rebuilt before the answer, the gate's reopen reaches the record, where the page guard decides.
    await republishPlan();
    return { kind: 'not-guarded' };
  }
  if (await policyHeld()) return { kind: 'held', reason: HELD_REASON };
  if (!bundle) return { kind: 'unclassified' };
  const request = recordRequestFor(bundle.adapters, url);
  if (!request) return { kind: 'unclassified' };
  if (!seen?.username) return { kind: 'no-identity' };
  // The endpoint's categories and those the adapter's sections read from the URL: a network record may be
  // coarser than the page (PowerSchool's is by student), and what is asked for must cover what the page holds,
  // or a grant would open the page only for its cover to close it again.
  const categories = [
    ...new Set([...request.endpoint.categories, ...readUrlCategories(request.adapter, url)]),
  ];
  if (categories.includes('immigration')) {
    // No basis opens it (the network rules never do): offering one would take a justification for nothing.
    await recordEvents([
      decisionDraft(
        bundle,
        { username: seen.username, role: 'sro' },
        request.studentId,
        {
          outcome: 'block',
          action: 'view',
          categories,
          citations: ['Education Code 234.7'],
          coveredBy: [],
        },
        'decision',
      ),
    ]);
    return { kind: 'immigration' };
  }
  const gateId = await storeGate(
    {
      url,
      action: 'view',
      studentId: request.studentId,
      categories,
      fields: [],
    },
    seen.username,
    tabId,
  );
  const record = await loadGate(gateId);
  const decided = record ? await decideGate(record) : undefined;
  if (decided && (decided.decision.outcome === 'allow' || decided.decision.outcome === 'redact')) {
    // The rules lagged behind a consent, approval or grant written since they were built: rebuilt, the record
    // opens (the verdict in the page follows and is logged as usual).
    await republishPlan();
    return { kind: 'open' };
  }
  if (decided) {
    await recordEvents([
      decisionDraft(
        decided.bundle,
        { username: seen.username, role: 'sro' },
        request.studentId,
        decided.decision,
        'decision',
      ),
    ]);
  }
  return { kind: 'gate', gateId };
}

async function loadGate(gateId: string): Promise<GateRecord | undefined> {
  const parsed = GateRecordSchema.safeParse(
    (await browser.storage.session.get(GATE_PREFIX + gateId))[GATE_PREFIX + gateId],
  );
  return parsed.success ? parsed.data : undefined;
}

async function decideGate(record: GateRecord) {
  const bundle = await activePolicy();
  if (!bundle) return undefined;
  const facts = await gatherFacts(
    {
      username: record.username,
      roleLabel: undefined,
      studentId: record.context.studentId,
      categories: record.context.categories,
      fields: record.fields,
      action: record.context.action,
    },
    record.context.studentId,
  );
  return { bundle, decision: decide(bundle, facts), facts };
}

export async function gateContext(gateId: string): Promise<GateContext | undefined> {
  const record = await loadGate(gateId);
  if (!record) return undefined;
  // The directory-information basis depends on the student's opt-out, which only the hub knows.
  await refreshOptOut(record.context.studentId);
  const decided = await decideGate(record);
  if (!decided) return undefined;
  const { decision, bundle } = decided;
  return {
    ...record.context,
    identityUnknown: record.username === undefined,
    today: localDate(new Date().toISOString(), bundle.policy.timeZone),
    outcome: decision.outcome,
    reason: decision.reason.text,
    citations: decision.citations,
    options: decision.options,
    justification: {
      minLength: bundle.policy.justification.minLength,
      maxLength: bundle.policy.justification.maxLength,
    },
    ...(decision.pendingRequest ? { pendingRequest: decision.pendingRequest } : {}),
    ...(await deniedFor(decision.pendingRequest, record.username, record.context)),
    categoryLabels: Object.fromEntries(
      bundle.policy.categories.map((category) => [category.id, category.label]),
    ),
  };
}

async function deniedFor(
  pending: string | undefined,
  username: string | undefined,
  context: { studentId: string; categories: readonly string[] },
): Promise<{ deniedRequest?: NonNullable<GateContext['deniedRequest']> }> {
  if (pending) return {};
  const denied = await latestDenial(username, context.studentId, context.categories);
  return denied ? { deniedRequest: denied } : {};
}

export interface GateEffects {
  /** A grant or request changed what a tab may show: evaluate its pages again. */
  accessChanged(tabId: number | undefined): Promise<void>;
  /** Something is waiting for the hub: sync now rather than at the next alarm. */
  syncSoon(): Promise<void>;
}

export async function submitGate(message: GateSubmit, effects: GateEffects): Promise<GateSubmitResult> {
  const record = await loadGate(message.gateId);
  const decided = record ? await decideGate(record) : undefined;
  if (!record || !decided) {
    return {
      ok: false,
      problems: [
        {
          field: 'form',
          message: {
            en: 'This form has expired. Go back to the record and start again.',
            es: 'Este formulario caducó. Vuelva al expediente y empiece de nuevo.',
          },
        },
      ],
    };
  }
  const { decision, bundle } = decided;
  if (!record.username) {
    // The tab never showed who is signed in: no basis is wrong, the sign-in is missing, and the SRO is told so.
    return { ok: false, problems: [{ field: 'form', message: IDENTITY_UNKNOWN }] };
  }
  const option = decision.options.find((candidate) => candidate.basis === message.basis);
  if (!option) {
    return {
      ok: false,
      problems: [
        {
          field: 'basis',
          message: {
            en: 'That legal basis cannot cover this request. Choose one of those listed.',
            es: 'Esa base legal no puede cubrir esta solicitud. Elija una de la lista.',
          },
        },
      ],
    };
  }
  const now = new Date().toISOString();
  const recent = RecentSchema.safeParse((await browser.storage.local.get(RECENT_KEY))[RECENT_KEY]);
  const recentTexts = (recent.success ? recent.data : []).filter(
    (entry) => entry.username === record.username,
  );
  const evidence = checkEvidence(option.evidence, message.evidence, {
    now,
    timeZone: bundle.policy.timeZone,
    rules: bundle.policy.justification,
  });
  const justification = checkJustification(bundle.policy.justification, message.justification, {
    studentId: record.context.studentId,
    now,
    recent: recentTexts,
  });
  const problems = [
    ...(evidence.ok ? [] : evidence.problems),
    ...(justification.ok
      ? []
      : justification.problems.map((problem) => ({ field: 'justification', message: problem.message }))),
  ];
  if (!evidence.ok || !justification.ok || problems.length > 0) return { ok: false, problems };

  const windowMs = bundle.policy.justification.reuseWindowMinutes * 60_000;
  const kept = [
    ...recentTexts,
    { username: record.username, studentId: record.context.studentId, text: justification.text, time: now },
  ]
    .filter((entry) => Date.parse(now) - Date.parse(entry.time) <= windowMs)
    .slice(-50);
  await browser.storage.local.set({ [RECENT_KEY]: kept });

  // Immigration-related categories are never granted: the grant covers what the basis can open.
  const categories = record.context.categories.filter((category) => category !== 'immigration');
  const actions = actionsNeeded(record.context.action);
  const justificationDraft = (type: EventDraft['type'], ref: string): EventDraft => ({
    ...baseDraft(bundle, { username: record.username, role: 'sro' }),
    type,
    studentId: record.context.studentId,
    categories,
    action: record.context.action,
    outcome: option.mode === 'immediate' ? 'allow' : 'request',
    basis: option.basis,
    citations: option.citations,
    justification: justification.text,
    evidence: evidence.values,
    ref,
  });
  if (option.mode === 'immediate') {
    const grant: Grant = {
      id: ulid(),
      username: record.username,
      studentId: record.context.studentId,
      categories,
      actions,
      basis: option.basis,
      issuedAt: now,
      expiresAt: new Date(Date.parse(now) + option.grantMinutes * 60_000).toISOString(),
      review: option.review,
    };
    await putGrant(grant);
    await recordEvents([
      justificationDraft('justification', grant.id),
      { ...justificationDraft('grant-issued', grant.id), justification: undefined, evidence: undefined },
    ]);
    await browser.alarms.create(GRANT_ALARM_PREFIX + grant.id, { when: Date.parse(grant.expiresAt) });
    await effects.accessChanged(record.tabId);
    return { ok: true, kind: 'grant', grantId: grant.id, until: grant.expiresAt, review: grant.review };
  }
  const request: ExceptionRequest = {
    id: ulid(),
    username: record.username,
    studentId: record.context.studentId,
    categories,
    actions,
    basis: option.basis,
    status: 'pending',
    filedAt: now,
  };
  await fileRequest(request, {
    id: request.id,
    body: {
      id: request.id,
      basis: request.basis,
      studentId: request.studentId,
      categories: request.categories,
      actions: request.actions,
      justification: justification.text,
      evidence: evidence.values,
    },
  });
  void effects.syncSoon();
  await recordEvents([
    justificationDraft('justification', request.id),
    { ...justificationDraft('request-filed', request.id), justification: undefined, evidence: undefined },
  ]);
  await effects.accessChanged(record.tabId);
  const noticeWaived =
    option.notice.waivedWhenEvidence !== undefined &&
    evidence.values[option.notice.waivedWhenEvidence] === 'yes';
  return {
    ok: true,
    kind: 'request',
    requestId: request.id,
    notice: option.notice.required && !noticeWaived,
  };
}

export async function popupStatus(): Promise<PopupStatus> {
  const bundle = await activePolicy();
  const db = database();
  const now = new Date().toISOString();
  const grants = (await db.grants.toArray()).filter((grant) => grant.expiresAt > now);
  const requests = (await db.requests.toArray())
    .sort((a, b) => b.filedAt.localeCompare(a.filedAt))
    .slice(0, 20);
  return {
    policy: bundle
      ? { id: bundle.policy.id, version: bundle.policy.version, district: bundle.policy.district.name }
      : null,
    grants: grants.map(({ id, studentId, categories, actions, basis, expiresAt, review }) => ({
      id,
      studentId,
      categories,
      actions,
      basis,
      expiresAt,
      review,
    })),
    requests: requests.map(
      ({ id, studentId, categories, actions, basis, status, filedAt, decisionReason, validUntil }) => ({
        id,
        studentId,
        categories,
        actions,
        basis,
        status,
        filedAt,
        decisionReason,
        validUntil,
      }),
    ),
    consoleUrl: await consoleUrl(),
  };
}
