import { loadDefaultBundle } from '../policy/default-bundle';
import { t } from './i18n';

/** What policy this browser runs: the first thing an admin or SRO checks. */
export function PolicyStatus() {
  const bundle = loadDefaultBundle();
  if (!bundle.ok) {
    return (
      <main class="panel">
        <h1>{t('extensionName')}</h1>
        <p role="alert">{t('policyInvalid')}</p>
        <ul>
          {bundle.errors.slice(0, 5).map((error) => (
            <li key={error}>{error}</li>
          ))}
        </ul>
      </main>
    );
  }
  const { policy, adapters } = bundle.value;
  return (
    <main class="panel">
      <h1>{t('extensionName')}</h1>
      <dl>
        <dt>{t('district')}</dt>
        <dd>{policy.district.name}</dd>
        <dt>{t('policyVersion')}</dt>
        <dd>
          {policy.id} · v{policy.version}
        </dd>
        <dt>{t('sisAdapters')}</dt>
        <dd>{adapters.map((adapter) => adapter.name).join(', ')}</dd>
      </dl>
    </main>
  );
}
