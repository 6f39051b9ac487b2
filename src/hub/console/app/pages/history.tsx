// A record's history: every action taken on it, with who and when (the hub's audit log).
import { z } from 'zod';
import { apiGet } from '../api';
import { Empty, Load, useLoad } from '../components';
import { formatDateTime, useLang, useText, type Texts } from '../i18n';
import { useConsole } from '../session';
import type { ConsolePage } from './page';

const TEXT: Texts<'record' | 'empty' | 'when' | 'who' | 'what' | 'detail' | 'missing'> = {
  en: {
    record: 'Record: {target}',
    empty: 'Nothing is recorded for it yet.',
    when: 'When',
    who: 'Who',
    what: 'Action',
    detail: 'Details',
    missing: 'Open a record’s history from its page.',
  },
  es: {
    record: 'Registro: {target}',
    empty: 'Aún no hay nada registrado.',
    when: 'Cuándo',
    who: 'Quién',
    what: 'Acción',
    detail: 'Detalles',
    missing: 'Abra el historial desde la página del registro.',
  },
};

const HistorySchema = z.object({
  entries: z.array(
    z.object({
      id: z.number(),
      at: z.string(),
      actor: z.string(),
      role: z.string(),
      action: z.string(),
      detail: z.record(z.string(), z.unknown()),
    }),
  ),
});

function History(props: { params: URLSearchParams }) {
  const text = useText(TEXT);
  const lang = useLang();
  const { policy } = useConsole();
  const target = props.params.get('target') ?? '';
  const [loaded, reload] = useLoad(
    () =>
      target
        ? apiGet(`/history?target=${encodeURIComponent(target)}`, HistorySchema)
        : Promise.resolve({ entries: [] }),
    [target],
  );
  if (!target) return <Empty>{text.missing}</Empty>;
  return (
    <>
      <p>{text.record.replace('{target}', target)}</p>
      <Load loaded={loaded} retry={reload}>
        {({ entries }) =>
          entries.length === 0 ? (
            <Empty>{text.empty}</Empty>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{text.when}</th>
                    <th scope="col">{text.who}</th>
                    <th scope="col">{text.what}</th>
                    <th scope="col">{text.detail}</th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((entry) => (
                    <tr key={entry.id}>
                      <td>{formatDateTime(entry.at, lang, policy?.timeZone)}</td>
                      <td>
                        {entry.actor} ({entry.role})
                      </td>
                      <td>{entry.action}</td>
                      <td>
                        <code>{JSON.stringify(entry.detail)}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Load>
    </>
  );
}

export const historyPage: ConsolePage = {
  id: 'history',
  title: { en: 'Record history', es: 'Historial del registro' },
  roles: ['clerk', 'admin'],
  nav: false,
  component: History,
};
