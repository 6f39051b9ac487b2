import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { z } from 'zod';
import {
  MANAGED_STATUS_KEY,
  ManagedStatusSchema,
  parsePolicyStatus,
  POLICY_STATUS_KEY,
  type ManagedNotice,
  type ManagedStatus,
  type PolicyStatus,
} from '../policy/update-status';
import { hostMatches } from '../sis/match';
import { ADMIN_TEXTS, type AdminTextKey } from './admin-texts';
import { pick } from './i18n';

const SyncStateSchema = z.object({ lastSyncAt: z.string().optional(), lastError: z.string().optional() });
type SyncState = z.infer<typeof SyncStateSchema>;
const SYNC_KEY = 'sync.cursors';

/** A text of the admin view in the UI language, with {name} placeholders filled. */
function say(key: AdminTextKey, values: Record<string, string> = {}): string {
  return pick(ADMIN_TEXTS[key]).replace(/\{(\w+)\}/g, (_match, name: string) => values[name] ?? '');
}

const when = (instant: string | undefined): string =>
  instant ? new Date(instant).toLocaleString(document.documentElement.lang || 'en') : say('never');

const CHECK_TEXT: Record<string, AdminTextKey> = {
  applied: 'checkApplied',
  unchanged: 'checkUnchanged',
  rejected: 'checkRejected',
  'none-published': 'checkNonePublished',
  'no-hub': 'checkNoHub',
  failed: 'checkFailed',
};
const CHECK_NAME: Record<string, AdminTextKey> = {
  signature: 'checkSignature',
  schema: 'checkSchema',
  district: 'checkDistrict',
  version: 'checkVersion',
};
const SOURCE_TEXT: Record<string, AdminTextKey> = {
  signed: 'sourceSigned',
  stored: 'sourceStored',
  bundled: 'sourceBundled',
  none: 'sourceNone',
};

/** One managed-settings notice in the UI language (paths and names as code, never a value). */
function NoticeText({ notice }: { notice: ManagedNotice }) {
  const code = (text: string) => <code>{text}</code>;
  // The sentence is split at its placeholder so the setting's name renders as code, as text.
  const withCode = (key: AdminTextKey, name: string, value: string, values: Record<string, string> = {}) => {
    const [before, after] = say(key, { ...values, [name]: '\u0000' }).split('\u0000');
    return (
      <>
        {before}
        {code(value)}
        {after}
      </>
    );
  };
  switch (notice.kind) {
    case 'unknown-key':
      return (
        <>
          {withCode('noticeUnknownKey', 'path', notice.path)}
          {notice.suggestion && <> {withCode('noticeDidYouMean', 'suggestion', notice.suggestion)}</>}
        </>
      );
    case 'wrong-type':
      return withCode('noticeWrongType', 'path', notice.path, { expected: notice.expected });
    case 'signing-implied':
      return <>{say('noticeSigningImplied')}</>;
    case 'signing-off':
      return <>{say('noticeSigningOff')}</>;
    case 'no-keys':
      return <>{say('noticeNoKeys')}</>;
  }
}

interface TabMatch {
  url: string;
  adapters: { id: string; name: string; guarded: boolean }[];
}

/**
 * Adapters whose lack of a network section takes a lower adapter's network rules off shared hosts: by design
 * (cover-only adapters), but the admin is told, since the records there reach the browser before the cover.
 */
function NetworkGaps({ adapters }: { adapters: NonNullable<PolicyStatus['inForce']>['adapters'] }) {
  const gaps = adapters.filter((adapter) => adapter.networkGap !== undefined);
  if (gaps.length === 0) return null;
  return (
    <div id="network-gaps">
      <h3 id="network-gaps-title">{say('networkGapTitle')}</h3>
      <ul aria-labelledby="network-gaps-title">
        {gaps.map((adapter) => (
          <li key={adapter.id} data-adapter={adapter.id}>
            {say('networkGap', {
              adapter: adapter.id,
              hosts: adapter.networkGap?.hosts.join(', ') ?? '',
              lower: adapter.networkGap?.lower.map((id) => `"${id}"`).join(', ') ?? '',
            })}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The web page the admin was last on (this options page is itself the active tab) and the adapters for it. */
async function currentTabMatch(status: PolicyStatus): Promise<TabMatch | undefined> {
  const tabs = (await browser.tabs.query({})).filter((tab) => tab.url && /^https?:/.test(tab.url));
  const tab = tabs.sort((a, b) => (b.lastAccessed ?? 0) - (a.lastAccessed ?? 0))[0];
  if (!tab?.url) return undefined;
  const url = new URL(tab.url);
  const adapters = (status.inForce?.adapters ?? [])
    .filter((adapter) => adapter.hosts.some((host) => hostMatches(host, url.hostname, url.port)))
    .map((adapter) => ({
      id: adapter.id,
      name: adapter.name,
      guarded: adapter.paths.some((source) => {
        try {
          return new RegExp(source, 'iu').test(`${url.pathname}${url.search}`);
        } catch {
          return false;
        }
      }),
    }));
  // Only the origin and path are shown: a query string may name a student.
  return { url: `${url.origin}${url.pathname}`, adapters };
}

function ChangeList({
  label,
  list,
}: {
  label: string;
  list: { added: string[]; removed: string[]; changed: string[] };
}) {
  const items = [
    ...list.added.map((id) => `${say('added')}: ${id}`),
    ...list.removed.map((id) => `${say('removed')}: ${id}`),
    ...list.changed.map((id) => `${say('changed')}: ${id}`),
  ];
  return (
    <>
      <dt>{label}</dt>
      <dd>{items.length === 0 ? say('nothing') : items.join('; ')}</dd>
    </>
  );
}

/** The admin's view of this browser's policy, managed settings, sync and current tab. */
export function AdminStatus() {
  const [policy, setPolicy] = useState<PolicyStatus | undefined>(undefined);
  const [managed, setManaged] = useState<ManagedStatus | undefined>(undefined);
  const [sync, setSync] = useState<SyncState>({});
  const [tab, setTab] = useState<TabMatch | undefined>(undefined);

  useEffect(() => {
    const load = async (): Promise<void> => {
      const items = await browser.storage.local.get([POLICY_STATUS_KEY, MANAGED_STATUS_KEY, SYNC_KEY]);
      const status = parsePolicyStatus(items[POLICY_STATUS_KEY]);
      setPolicy(status);
      const parsedManaged = ManagedStatusSchema.safeParse(items[MANAGED_STATUS_KEY]);
      setManaged(parsedManaged.success ? parsedManaged.data : undefined);
      const parsedSync = SyncStateSchema.safeParse(items[SYNC_KEY]);
      setSync(parsedSync.success ? parsedSync.data : {});
      setTab(await currentTabMatch(status).catch(() => undefined));
    };
    void load();
    // Follows the background as it checks and applies: the page need not be reloaded.
    const listener = (_changes: unknown, area: string): void => {
      if (area === 'local') void load();
    };
    browser.storage.onChanged.addListener(listener);
    return () => browser.storage.onChanged.removeListener(listener);
  }, []);

  if (!policy) return <p aria-busy="true">…</p>;
  const inForce = policy.inForce;
  const rejection = policy.lastRejection;
  const signedInForce = inForce?.source === 'signed' ? policy.signed : undefined;
  return (
    <div id="admin-status">
      <section
        aria-labelledby="policy-title"
        id="policy-in-force"
        data-source={inForce?.source}
        data-version={inForce?.version}
      >
        <h2 id="policy-title">{say('policyTitle')}</h2>
        {inForce?.held && (
          <p role="alert" id="policy-held" class="problems">
            <strong>{say('held')}</strong>
          </p>
        )}
        <dl class="status">
          <dt>{say('policy')}</dt>
          <dd id="policy-id-version">
            {inForce?.policyId ? `${inForce.policyId} · v${inForce.version ?? '?'}` : say('sourceNone')}
          </dd>
          <dt>{say('source')}</dt>
          <dd id="policy-source">{say(SOURCE_TEXT[inForce?.source ?? 'none'] ?? 'sourceNone')}</dd>
          <dt>{say('signature')}</dt>
          <dd id="policy-signature" data-key-id={signedInForce?.keyId}>
            {signedInForce
              ? say('signatureVerified', { key: signedInForce.keyId, at: when(signedInForce.signedAt) })
              : say('signatureNone')}
          </dd>
          <dt>{say('lastChecked')}</dt>
          <dd id="policy-last-checked">
            {when(policy.lastCheckedAt)}
            {policy.lastCheck ? ` · ${say(CHECK_TEXT[policy.lastCheck] ?? 'checkFailed')}` : ''}
            {policy.lastCheckError ? ` (${policy.lastCheckError})` : ''}
          </dd>
        </dl>
        <NetworkGaps adapters={inForce?.adapters ?? []} />
      </section>

      <section aria-labelledby="rejection-title" id="policy-rejection" data-check={rejection?.check}>
        <h2 id="rejection-title">{say('rejectionTitle')}</h2>
        {rejection ? (
          <>
            <dl class="status">
              <dt>{say('failedCheck')}</dt>
              <dd id="rejection-check">{say(CHECK_NAME[rejection.check] ?? 'checkSignature')}</dd>
              <dt>{say('why')}</dt>
              <dd id="rejection-reason">{rejection.reason}</dd>
              {rejection.path && (
                <>
                  <dt>{say('field')}</dt>
                  <dd id="rejection-path">
                    <code>{rejection.path}</code>
                  </dd>
                </>
              )}
              {rejection.keyId && (
                <>
                  <dt>{say('key')}</dt>
                  <dd>{rejection.keyId}</dd>
                </>
              )}
              {rejection.version !== undefined && (
                <>
                  <dt>{say('offeredVersion')}</dt>
                  <dd>{rejection.version}</dd>
                </>
              )}
              <dt>{say('when')}</dt>
              <dd>{when(rejection.at)}</dd>
            </dl>
            <p>{say('keptNote')}</p>
          </>
        ) : (
          <p>{say('noRejection')}</p>
        )}
      </section>

      <section aria-labelledby="changes-title" id="policy-changes">
        <h2 id="changes-title">{say('changesTitle')}</h2>
        {policy.changes ? (
          <>
            <p>
              {say('fromTo', {
                from: policy.changes.from ? `${policy.changes.from.id} v${policy.changes.from.version}` : '—',
                to: `${policy.changes.to.id} v${policy.changes.to.version}`,
              })}
            </p>
            <dl class="status">
              <ChangeList label={say('rules')} list={policy.changes.rules} />
              <ChangeList label={say('roster')} list={policy.changes.roster} />
              <ChangeList label={say('adapters')} list={policy.changes.adapters} />
              <ChangeList label={say('bases')} list={policy.changes.bases} />
              <dt>{say('settings')}</dt>
              <dd>
                {policy.changes.settings.length === 0 ? say('nothing') : policy.changes.settings.join(', ')}
              </dd>
            </dl>
          </>
        ) : (
          <p>{say('noChanges')}</p>
        )}
      </section>

      <section aria-labelledby="managed-title" id="managed-settings" data-in-force={managed?.inForce}>
        <h2 id="managed-title">{say('managedTitle')}</h2>
        <p>
          {managed?.inForce === 'live'
            ? say('managedLive')
            : managed?.inForce === 'last-good'
              ? say('managedLastGood')
              : say('managedNone')}
        </p>
        {managed && managed.problems.length > 0 && (
          <div role="alert" id="managed-problems" class="problems">
            <p>
              <strong>{say('managedProblems')}</strong>
            </p>
            <ul>
              {managed.problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          </div>
        )}
        {managed?.notices && managed.notices.length > 0 && (
          <div role="alert" id="managed-warnings" class="problems">
            <p>
              <strong>{say('managedWarnings')}</strong>
            </p>
            <ul>
              {managed.notices.map((notice, index) => (
                <li
                  key={index}
                  data-notice={notice.kind}
                  data-path={'path' in notice ? notice.path : undefined}
                  data-suggestion={notice.kind === 'unknown-key' ? notice.suggestion : undefined}
                >
                  <NoticeText notice={notice} />
                </li>
              ))}
            </ul>
          </div>
        )}
        {managed && Object.keys(managed.masked).length > 0 && (
          <dl class="status" id="managed-values">
            {Object.entries(managed.masked).map(([name, value]) => (
              <Fragment key={name}>
                <dt>
                  <code>{name}</code>
                </dt>
                <dd data-setting={name}>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
              </Fragment>
            ))}
          </dl>
        )}
      </section>

      <section aria-labelledby="sync-title" id="sync-state">
        <h2 id="sync-title">{say('syncTitle')}</h2>
        <dl class="status">
          <dt>{say('lastSync')}</dt>
          <dd>{when(sync.lastSyncAt)}</dd>
          {sync.lastError && (
            <>
              <dt>{say('syncProblem')}</dt>
              <dd>{sync.lastError}</dd>
            </>
          )}
        </dl>
      </section>

      <section aria-labelledby="tab-title" id="tab-adapters">
        <h2 id="tab-title">{say('tabTitle')}</h2>
        {!tab ? (
          <p>{say('noTab')}</p>
        ) : tab.adapters.length === 0 ? (
          <p>{say('tabNoAdapter', { url: tab.url })}</p>
        ) : (
          <>
            <p>
              <code>{tab.url}</code>
            </p>
            <ul>
              {tab.adapters.map((adapter) => (
                <li key={adapter.id} data-adapter={adapter.id}>
                  {adapter.name} ({adapter.id}) · {adapter.guarded ? say('tabGuarded') : say('tabHostOnly')}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
    </div>
  );
}
