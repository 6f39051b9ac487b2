import type { GuardPush } from '../messaging/guard-push';
import { applyBlockRules, blockRulesFor, clearStaleAllowRules } from '../enforce/export-rules';
import { registerGuardScript } from '../enforce/content-registration';
import { RECORD_RULES_ALARM } from '../enforce/record-rules';
import { watchDownloads } from '../enforce/downloads';
import { watchViewerTabs } from '../enforce/hardening';
import { checkHardening } from './hardening';
import { blockedGateTarget } from './gate-nonce';
import { EXPORT_ALLOW_ALARM, removeExpiredAllowRules, removeTabAllowRules } from '../enforce/export-allow';
import { hostMatches, isSisHost, openPageFor } from '../sis/match';
import {
  allIdentities,
  forgetIdentities,
  forgetTab,
  identitiesLoaded,
  identityForOrigin,
  loadIdentities,
} from './identities';
import { forgetManagedSettings, managedSettings, onManagedSettingsChange } from './managed';
import { activePolicy, forgetActivePolicy, STORED_POLICY_KEY } from './policy';
import { afterManagedChange } from './policy-update';
import { routeMessage } from './router';
import { SYNC_ALARM, syncWithHub } from './sync';
import { pollWhilePending } from './pending-poll';
import { baseDraft, deliverNow, OUTBOX_ALARM, pruneLog, PRUNE_ALARM, record } from './audit';
import { GRANT_ALARM_PREFIX } from './gate-service';
import { exposeSessionStorageToContentScripts, forgetPlannedViews, publishGuardPlan } from './guard-plan';
import { database } from '../store/db';

/**
 * Whether an adapter's export endpoints are blocked: always on a browser assigned to an SRO, otherwise unless
 * every user seen on the adapter's hosts in this session is known not to be an SRO (fail closed before then).
 */
async function exportsGuarded(): Promise<(adapterId: string) => boolean> {
  const managed = await managedSettings();
  const seen = allIdentities();
  return (adapterId) => {
    if (managed.role === 'sro') return true;
    const onAdapter = seen.filter((identity) => identity.adapterId === adapterId);
    return (
      onAdapter.length === 0 ||
      onAdapter.some((identity) => identity.role === 'sro' || identity.role === 'unknown')
    );
  };
}

async function syncEnforcement(): Promise<void> {
  const bundle = await activePolicy();
  await loadIdentities();
  if (!bundle) return;
  const guarded = await exportsGuarded();
  await applyBlockRules(blockRulesFor(bundle.adapters, (adapter) => guarded(adapter.id)));
}

async function setUp(): Promise<void> {
  const bundle = await activePolicy();
  // The plan first: a guard injected into a page already open on a newly added host reads it at once.
  await publishGuardPlan();
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

/**
 * Publishes the guard plan again after access changed; a failure (storage.session full, say) is logged and does
 * not stop the pages being told to re-check.
 */
async function republishQuietly(): Promise<void> {
  await publishGuardPlan().catch((error: unknown) =>
    console.error('Record Guard: could not publish the guard plan', error),
  );
}

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
  await loadIdentities();
  const bundle = await activePolicy();
  const managed = await managedSettings();
  if (!bundle) return managed.role === 'sro';
  const target = new URL(url);
  if (!isSisHost(bundle.adapters, url) || openPageFor(bundle.adapters, url)) return false;
  return managed.role === 'sro' || identityForOrigin(target.origin)?.role === 'sro';
}

/**
 * Wires the service worker's listeners. Listeners are registered synchronously so that an event that wakes
 * the worker finds them; anything slow waits on the start-up promises inside the handlers.
 */
export function startBackground(): void {
  const effects = {
    identityChanged: async () => {
      // A browser becomes an SRO's when the admin assigns the role or an SRO signs in: its hardening is logged then.
      void checkHardening().catch(() => undefined);
      await syncEnforcement();
      // Not awaited: a verdict waiting on identityChanged does not wait for the plan's views to be worked out.
      void republishQuietly();
    },
    syncSoon: async () => {
      const { changed } = await syncWithHub();
      // A request still pending and a guarded page open: ask the hub every second until it is decided.
      pollWhilePending(() => effects.syncSoon());
      if (!changed) return;
      await republishQuietly();
      await reevaluateOpenPages('grant-changed');
    },
    accessChanged: async (tabId: number | undefined) => {
      await republishQuietly();
      const push: GuardPush = { channel: 'guard.reevaluate', reason: 'grant-changed' };
      if (tabId !== undefined) await browser.tabs.sendMessage(tabId, push).catch(() => undefined);
    },
  };

  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name.startsWith(GRANT_ALARM_PREFIX))
      void grantExpired(alarm.name.slice(GRANT_ALARM_PREFIX.length));
    if (alarm.name === OUTBOX_ALARM) void deliverNow();
    if (alarm.name === SYNC_ALARM) void effects.syncSoon();
    if (alarm.name === PRUNE_ALARM) void activePolicy().then(pruneLog);
    // A consent, approval or grant that a record rule opened has ended: the rules are rebuilt without it.
    if (alarm.name === RECORD_RULES_ALARM) void republishQuietly();
    if (alarm.name === EXPORT_ALLOW_ALARM) void removeExpiredAllowRules();
  });
  void exposeSessionStorageToContentScripts();
  // An allow rule outlives a worker that stopped before its timer fired: a new worker starts with none.
  void clearStaleAllowRules();
  // Read at once: the first storage.managed read after the browser starts can take seconds.
  onManagedSettingsChange(() => {
    void effects.identityChanged();
    void afterManagedChange(policyChanged).catch(() => undefined);
  });
  void managedSettings();

  browser.runtime.onMessage.addListener((message, sender) => routeMessage(message, sender, effects));

  watchDownloads({
    rule(origin) {
      if (!identitiesLoaded()) return 'unknown';
      const seen = identityForOrigin(origin);
      if (!seen) return 'unknown';
      return seen.role === 'sro' || seen.role === 'unknown' ? 'cancel' : 'allow';
    },
    async ruleAfterLoading(origin) {
      await loadIdentities();
      const bundle = await activePolicy();
      const managed = await managedSettings();
      if (managed.role === 'sro') return 'cancel';
      const seen = identityForOrigin(origin);
      if (seen) return seen.role === 'sro' || seen.role === 'unknown' ? 'cancel' : 'allow';
      // Nobody seen on this origin yet: downloads from SIS hosts fail closed unless the policy leaves them.
      const url = new URL(origin);
      const sis = bundle?.adapters.some((adapter) =>
        adapter.match.hosts.some((host) => hostMatches(host, url.hostname, url.port)),
      );
      if (!sis) return 'allow';
      return bundle?.policy.roles.unidentifiedUser === 'leave' ? 'allow' : 'cancel';
    },
    onCancelled(_item, origin) {
      const seen = identityForOrigin(origin);
      void activePolicy().then((bundle) =>
        record([
          {
            ...baseDraft(bundle, { username: seen?.username, role: seen?.role ?? 'unknown' }),
            type: 'export-blocked',
            action: 'export',
            outcome: 'block',
          },
        ]),
      );
    },
  });

  browser.tabs.onRemoved.addListener((tabId) => {
    forgetTab(tabId);
    void removeTabAllowRules(tabId);
  });
  // A view-source: tab of a SIS page, shown or refused, says whether the URL blocklist is in place.
  watchViewerTabs(
    async (url) => {
      const bundle = await activePolicy();
      return bundle !== undefined && isSisHost(bundle.adapters, url);
    },
    () => void checkHardening(),
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
    void forgetPlannedViews().catch(() => undefined);
    forgetActivePolicy();
    await forgetIdentities()
      .then(setUp)
      .then(() => reevaluateOpenPages('policy-changed'));
  };
  browser.storage.onChanged.addListener((changes, area) => {
    // A new policy was stored (validated again on read; an invalid one leaves the bundled policy in force).
    if (area === 'local' && STORED_POLICY_KEY in changes) void policyChanged();
    if (area === 'managed') {
      forgetManagedSettings();
      void effects.identityChanged();
      // Signed-policy settings (keys, district, required) changed: re-check the hub's policy now.
      void afterManagedChange(policyChanged).catch(() => undefined);
    }
  });

  browser.runtime.onInstalled.addListener(() => void setUp());
  browser.runtime.onStartup.addListener(() => void setUp());
  void loadIdentities();
  // Logged only if it changed since the last check (a managed role or an install type can change between starts).
  void checkHardening().catch((error: unknown) =>
    console.error('Record Guard: could not check the browser hardening', error),
  );
  // Whatever a stopped worker left in the outbox goes out as soon as it wakes.
  void deliverNow();
  void effects.syncSoon();
  // Opening early creates the stores on first run and keeps the first page verdict from paying for it.
  void database().open();
}
