// What every page needs to know about the district's policy in force: its version and time zone, the SROs and
// agencies on the roster (consent recipients), the legal bases (titles, limits, notice duty, evidence labels).
import { grantLimitMinutes } from '../../../decide/decide';
import { CATEGORIES } from '../../../policy/vocabulary';
import { HttpError } from '../../errors';
import { consoleSession } from '../request-session';
import type { ConsoleApiModule } from './module';

export const contextApi: ConsoleApiModule = (api, { policies }) => {
  api.get('/context', { config: { console: ['clerk', 'admin'] } }, async (request) => {
    const session = consoleSession(request);
    const policy = await policies.active(session.district);
    if (!policy) throw new HttpError(404, 'not_found', 'no policy has been published for this district yet');
    const { bundle } = policy;
    const sros = bundle.policy.roles.roster
      .filter((entry) => entry.role === 'sro')
      .map((entry) => ({
        username: entry.username ?? entry.email ?? '',
        displayName: entry.displayName ?? entry.username ?? entry.email ?? '',
        agency: entry.agency ?? null,
      }));
    const agencies = [...new Set(sros.flatMap((sro) => (sro.agency ? [sro.agency] : [])))].sort();
    return {
      district: session.district,
      policyVersion: policy.version,
      timeZone: bundle.policy.timeZone,
      ageOfMajority: bundle.policy.ageOfMajority,
      categories: CATEGORIES.filter((category) => category !== 'immigration'),
      sros,
      agencies,
      bases: bundle.legalBases.bases.map((basis) => ({
        id: basis.id,
        title: basis.title,
        mode: basis.mode,
        enabled: basis.enabled,
        citations: basis.citations,
        maxGrantMinutes: grantLimitMinutes(bundle.policy, basis),
        notice: basis.notice,
        evidence: basis.evidence.map((field) => ({ id: field.id, label: field.label, kind: field.kind })),
      })),
    };
  });
};
