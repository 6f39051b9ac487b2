import type { GuardPush } from '../contracts/guard-push';
import { applyBlockRules, blockRulesFor, clearStaleAllowRules } from '../enforce/export-rules';
import { registerGuardScript } from '../enforce/content-registration';
import { RECORD_RULES_ALARM } from '../enforce/record-rules';
import { watchDownloads } from '../enforce/downloads';
import { watchViewerTabs } from '../enforce/hardening';
import { checkHardening } from './hardening';
import { blockedGateTarget } from './gate-nonce';
import { EXPORT_ALLOW_ALARM, removeExpiredAllowRules, removeTabAllowRules } from '../enforce/export-allow';
import { isSisHost, openPageFor } from '../sis/match';
import { srosMayBeSignedIn } from '../decide/guarded';
import { allOrigins, forgetIdentities, forgetTab, identitiesLoaded, identityForOrigin } from './identities';
import { downloadRule, forgetReady, hostVerdict, ready, readyNow } from './ready';
import { forgetManagedSettings, MANAGED_STATUS_KEY, onManagedSettingsChange } from './managed';
import { reportManagedStatus } from './managed-report';
import { activePolicy, forgetActivePolicy, STORED_POLICY_KEY } from './policy';
import { afterManagedChange } from './policy-update';
import { routeMessage } from './router';
import { SYNC_ALARM, syncWithHub } from './sync';
import { pollWhilePending } from './pending-poll';
import { baseDraft, deliverNow, OUTBOX_ALARM, pruneLog, PRUNE_ALARM, record } from './audit';
import { GRANT_ALARM_PREFIX } from './gate-service';
import { exposeSessionStorageToContentScripts } from './guard-plan';
import { policyChanging, republishPlan } from './access-records';
import { database } from '../store/db';
import { dispatchAlarm, onAlarm, runTask } from './tasks';

/**
 * Each adapter's own verdict: guarded while anyone seen on its hosts in this session (identities are stored under
 * the owning adapter's id) is guarded, or, with nobody seen yet, as guardedFor() rules for nobody identified (the
 * managed role, `unidentifiedUser`). blockRulesFor applies it by host owner: a lower adapter's endpoints on a
 * higher adapter's hosts follow that adapter's verdict, so a teacher there is never blocked by the lower one's.
 */
async function exportsGuarded(): Promise<(adapterId: string) => boolean> {
  const state = await ready();
  const seen = allOrigins();
  return (adapterId) => {
    const onAdapter = seen.filter(([, identity]) => identity.adapterId === adapterId);
    if (onAdapter.length === 0) return hostVerdict(state, undefined, undefined).guarded;
    return onAdapter.some(([origin, identity]) => hostVerdict(state, origin, identity).guarded);
  };
}

async function syncEnforcement(): Promise<void> {
  const { bundle } = await ready();
  if (!bundle) return;
  const guarded = await exportsGuarded();
  await applyBlockRules(blockRulesFor(bundle.adapters, (adapter) => guarded(adapter.id)));
}

async function setUp(): Promise<void> {
  const bundle = await activePolicy();
  // The plan first: a guard injected into a page already open on a newly added host reads it at once.
  await republishPlan();
  if (bundle) await registerGuardScript(bundle);
  await browser.alarms.create(PRUNE_ALARM, { periodInMinutes: 24 * 60 });
  // Consents and approvals reach an SRO within a minute (Chrome's shortest alarm period is 30 s).
  await browser.alarms.create(SYNC_ALARM, { periodInMinutes: 0.5 });
  await record([
    {
      ...baseDraft(bundle, { role: 'unknown' }),
      type: bundle ? 'policy-applied' : 'policy-rejected',
      citations: bundle?.policy.district.boardPolicy.citations ?? [],
    },
  ]);
  await clearStaleAllowRules();
  await syncEnforcement();
}

/** Publishes the guard plan again (the access-record writer's publish; a failure is logged there). */
const republishQuietly = republishPlan;

/** Logs the end of a grant and covers again whatever it opened. */
async function grantExpired(grantId: string): Promise<void> {
  const grant = await database().grants.get(grantId);
  const bundle = await activePolicy();
  if (grant) {
    await record([
      {
        ...baseDraft(bundle, { username: grant.username, role: 'sro' }),
        type: 'grant-expired',
        studentId: grant.studentId,
        categories: grant.categories,
        basis: grant.basis,
        ref: grant.id,
      },
    ]);
  }
  await republishQuietly();
  await reevaluateOpenPages('grant-changed');
}

/** Asks every guarded page to be evaluated again (a policy, grant or identity changed). */
async function reevaluateOpenPages(reason: GuardPush['reason']): Promise<void> {
  const push: GuardPush = { channel: 'guard.reevaluate', reason };
  for (const tab of await browser.tabs.query({ url: ['http://*/*', 'https://*/*'] })) {
    if (tab.id !== undefined) void browser.tabs.sendMessage(tab.id, push).catch(() => undefined);
  }
}

/** Whether a shown `view-source:` of this URL would show an SRO a record the network rules keep closed. */
async function sourceViewGuarded(url: string): Promise<boolean> {
  const state = await ready();
  const target = new URL(url);
  if (state.bundle && (!isSisHost(state.bundle.adapters, url) || openPageFor(state.bundle.adapters, url)))
    return false;
  return srosMayBeSignedIn(hostVerdict(state, target.origin, identityForOrigin(target.origin)));
}

/**
 * Wires the service worker's listeners. Listeners are registered synchronously so that an event that wakes
 * the worker finds them; anything slow waits on the start-up promises inside the handlers.
 */
export function startBackground(): void {
  const effects = {
    identityChanged: async () => {
      // A browser becomes an SRO's when the admin assigns the role or an SRO signs in: its hardening is logged then.
      runTask('hardening check', () => checkHardening());
      await syncEnforcement();
      // Not awaited: a verdict waiting on identityChanged does not wait for the plan's views to be worked out.
      runTask('plan publish', () => republishQuietly());
    },
    syncSoon: async () => {
      // Whatever the sync wrote was published by the access-record writer; pages are told to re-check.
      const { changed } = await syncWithHub();
      // A request still pending and a guarded page open: ask the hub every second until it is decided.
      pollWhilePending(() => effects.syncSoon());
      if (!changed) return;
      await reevaluateOpenPages('grant-changed');
    },
    accessChanged: async (tabId: number | undefined) => {
      // The grant or request was written (and the plan published) by the access-record writer.
      const push: GuardPush = { channel: 'guard.reevaluate', reason: 'grant-changed' };
      if (tabId !== undefined) await browser.tabs.sendMessage(tabId, push).catch(() => undefined);
    },
  };

  onAlarm(GRANT_ALARM_PREFIX, (grantId) => grantExpired(grantId), { prefix: true });
  onAlarm(OUTBOX_ALARM, () => deliverNow());
  onAlarm(SYNC_ALARM, () => effects.syncSoon());
  onAlarm(PRUNE_ALARM, () => activePolicy().then(pruneLog));
  // A consent, approval or grant that a record rule opened has ended: the rules are rebuilt without it.
  onAlarm(RECORD_RULES_ALARM, () => republishQuietly());
  onAlarm(EXPORT_ALLOW_ALARM, () => removeExpiredAllowRules());
  browser.alarms.onAlarm.addListener(dispatchAlarm);
  runTask('session storage access', () => exposeSessionStorageToContentScripts());
  // An allow rule outlives a worker that stopped before its timer fired: a new worker starts with none.
  runTask('stale allow rules', () => clearStaleAllowRules());
  // Read at once: the first storage.managed read after the browser starts can take seconds.
  onManagedSettingsChange(() => {
    forgetReady();
    runTask('managed settings change', () => effects.identityChanged());
    runTask('policy re-check', () => afterManagedChange(policyChanged));
  });

  browser.runtime.onMessage.addListener((message, sender) => routeMessage(message, sender, effects));

  watchDownloads({
    rule(origin) {
      const state = readyNow();
      return state && identitiesLoaded() ? downloadRule(state, origin) : 'unknown';
    },
    async ruleAfterLoading(origin) {
      return downloadRule(await ready(), origin);
    },
    onCancelled(_item, origin) {
      const seen = identityForOrigin(origin);
      runTask('export-blocked log', () =>
        activePolicy().then((bundle) =>
          record([
            {
              ...baseDraft(bundle, { username: seen?.username, role: seen?.role ?? 'unknown' }),
              type: 'export-blocked',
              action: 'export',
              outcome: 'block',
            },
          ]),
        ),
      );
    },
  });

  browser.tabs.onRemoved.addListener((tabId) => {
    forgetTab(tabId);
    runTask('tab allow rules', () => removeTabAllowRules(tabId));
  });
  // A view-source: tab of a SIS page, shown or refused, says whether the URL blocklist is in place.
  watchViewerTabs(
    async (url) => {
      const bundle = await activePolicy();
      return bundle !== undefined && isSisHost(bundle.adapters, url);
    },
    () => runTask('hardening check', () => checkHardening()),
    // A source view the browser showed of a record URL (not an open page) while an SRO may be signed in
    // there: the tab goes to the gate, as a navigation to that record would.
    (tabId, url) =>
      void sourceViewGuarded(url)
        .then((guarded) =>
          guarded
            ? blockedGateTarget().then((target) => browser.tabs.update(tabId, { url: `${target}${url}` }))
            : undefined,
        )
        .catch((error: unknown) =>
          console.error(
            'Record Guard: could not check a source view',
            error instanceof Error ? error.message : '',
          ),
        ),
  );

  const policyChanged = async (): Promise<void> => {
    // What SROs may view was worked out under the old policy: forgotten before anything else.
    runTask('plan views forgotten', () => policyChanging());
    forgetActivePolicy();
    forgetReady();
    await forgetIdentities()
      .then(setUp)
      .then(() => reevaluateOpenPages('policy-changed'));
  };
  browser.storage.onChanged.addListener((changes, area) => {
    // A new policy was stored (validated again on read; an invalid one leaves the bundled policy in force).
    if (area === 'local' && STORED_POLICY_KEY in changes) runTask('policy change', () => policyChanged());
    // Each managed read writes its status: the hub hears of it when what it says changed.
    if (area === 'local' && MANAGED_STATUS_KEY in changes)
      runTask('managed settings report', () => reportManagedStatus());
    if (area === 'managed') {
      forgetManagedSettings();
      forgetReady();
      runTask('managed settings change', () => effects.identityChanged());
      // Signed-policy settings (keys, district, required) changed: re-check the hub's policy now.
      runTask('policy re-check', () => afterManagedChange(policyChanged));
    }
  });

  browser.runtime.onInstalled.addListener(() => runTask('set-up', setUp));
  browser.runtime.onStartup.addListener(() => runTask('set-up', setUp));
  // The one start-up read every listener waits on (policy, managed settings, identities).
  void ready().catch((error: unknown) =>
    console.error('Record Guard: start-up failed', error instanceof Error ? error.message : ''),
  );
  // Logged only if it changed since the last check (a managed role or an install type can change between starts).
  void checkHardening().catch((error: unknown) =>
    console.error('Record Guard: could not check the browser hardening', error),
  );
  // Whatever a stopped worker left in the outbox goes out as soon as it wakes.
  runTask('outbox delivery', () => deliverNow());
  runTask('hub sync', () => effects.syncSoon());
  // Opening early creates the stores on first run and keeps the first page verdict from paying for it.
  runTask('database open', () => database().open());
}
