// A student's disclosure record (34 CFR 99.32(a), Education Code 49064), printable for a parent's inspection in
// English or Spanish: every request for and disclosure of the student's records, who (person and agency), when,
// which records, each basis relied on with its reference, the consent, the notice made for a subpoena or order,
// the threat, parties and review of an emergency. The hub records each viewing in its audit log.
import { useState } from 'preact/hooks';
import { z } from 'zod';
import { label, ROW_LABELS } from '../../../../report/board/texts';
import { apiGet } from '../api';
import { Empty, Field, Load, useLoad } from '../components';
import { fill, formatDateTime, useLang, type Lang, type Texts } from '../i18n';
import type { ConsolePage } from './page';
import './reports.css';

const BasisSchema = z.object({
  basis: z.string(),
  kind: z.enum(['consent', 'request', 'grant', 'rule']),
  reference: z.string().nullable(),
  citations: z.array(z.string()),
  consent: z
    .object({
      signer: z.string(),
      relation: z.string(),
      purpose: z.string(),
      documentRef: z.string().nullable(),
      signedOn: z.string(),
    })
    .optional(),
  justification: z.string().optional(),
  evidence: z.record(z.string(), z.string()).optional(),
  emergency: z
    .object({
      threat: z.string().nullable(),
      parties: z.array(z.string()),
      review: z.object({
        required: z.boolean(),
        outcome: z.string().nullable(),
        by: z.string().nullable(),
        at: z.string().nullable(),
        note: z.string().nullable(),
      }),
    })
    .optional(),
  notice: z
    .object({
      required: z.boolean(),
      waived: z.boolean(),
      timing: z.string(),
      made: z.record(z.string(), z.unknown()).nullable(),
    })
    .optional(),
  request: z
    .object({
      status: z.string(),
      decidedBy: z.string().nullable(),
      decidedAt: z.string().nullable(),
      reason: z.string().nullable(),
    })
    .optional(),
});
const EntrySchema = z.object({
  eventId: z.string(),
  at: z.string(),
  kind: z.enum(['disclosure', 'refused', 'request']),
  who: z.object({ username: z.string().nullable(), agency: z.string().nullable() }),
  action: z.string().nullable(),
  categories: z.array(z.string()),
  outcome: z.string().nullable(),
  bases: z.array(BasisSchema),
});
const AnswerSchema = z.object({
  record: z.object({ studentId: z.string(), entries: z.array(EntrySchema) }),
  timeZone: z.string(),
});
type Entry = z.infer<typeof EntrySchema>;
type Basis = z.infer<typeof BasisSchema>;

type Key =
  | 'title'
  | 'intro'
  | 'student'
  | 'show'
  | 'print'
  | 'none'
  | 'when'
  | 'who'
  | 'records'
  | 'what'
  | 'basis'
  | 'disclosure'
  | 'refused'
  | 'request'
  | 'consent'
  | 'noticeMade'
  | 'noticeOrder'
  | 'noticeNone'
  | 'noticeWaived'
  | 'threat'
  | 'parties'
  | 'review'
  | 'reviewPending'
  | 'requestStatus'
  | 'reference'
  | 'stated'
  | 'count';
const TEXT: Texts<Key> = {
  en: {
    title: 'Record of disclosures for student {id}',
    intro:
      'Every request for and disclosure of this student’s education records by School Resource Officers that Record Guard logged (34 CFR 99.32(a), Education Code 49064).',
    student: 'Student ID',
    show: 'Show the record',
    print: 'Print',
    none: 'Nothing has been requested or disclosed.',
    when: 'When',
    who: 'Who (person and agency)',
    records: 'Records',
    what: 'What happened',
    basis: 'Legal basis and reference',
    disclosure: 'Disclosed',
    refused: 'Requested, not disclosed',
    request: 'Exception request filed',
    consent: 'Written consent signed by {signer} ({relation}) on {date}, for: {purpose}; document {doc}',
    noticeMade: 'Notice made: {how} to the {recipient} on {date}, by {by}',
    noticeOrder: 'No notice: the order forbids it (“{wording}”)',
    noticeNone: 'Notice required ({timing}); none recorded yet',
    noticeWaived: 'No notice: the order forbids disclosing it',
    threat: 'Threat: {threat}',
    parties: 'Disclosed to: {parties}',
    review: 'Review: {outcome} by {by} on {date}',
    reviewPending: 'Review: pending',
    requestStatus: 'Request {status}, decided by {by}',
    reference: 'reference {ref}',
    stated: 'Reason stated: {text}',
    count: '{n} entries',
  },
  es: {
    title: 'Registro de divulgaciones del estudiante {id}',
    intro:
      'Cada solicitud y divulgación de los expedientes educativos de este estudiante por Oficiales de Recursos Escolares que Record Guard registró (34 CFR 99.32(a), Código de Educación 49064).',
    student: 'Número de estudiante',
    show: 'Mostrar el registro',
    print: 'Imprimir',
    none: 'No se ha solicitado ni divulgado nada.',
    when: 'Cuándo',
    who: 'Quién (persona y agencia)',
    records: 'Expedientes',
    what: 'Qué ocurrió',
    basis: 'Base legal y referencia',
    disclosure: 'Divulgado',
    refused: 'Solicitado, no divulgado',
    request: 'Solicitud de excepción presentada',
    consent:
      'Consentimiento por escrito firmado por {signer} ({relation}) el {date}, para: {purpose}; documento {doc}',
    noticeMade: 'Notificación hecha: {how} al {recipient} el {date}, por {by}',
    noticeOrder: 'Sin notificación: la orden lo prohíbe («{wording}»)',
    noticeNone: 'Se requiere notificación ({timing}); aún no se ha registrado',
    noticeWaived: 'Sin notificación: la orden prohíbe revelarla',
    threat: 'Amenaza: {threat}',
    parties: 'Divulgado a: {parties}',
    review: 'Revisión: {outcome} por {by} el {date}',
    reviewPending: 'Revisión: pendiente',
    requestStatus: 'Solicitud {status}, decidida por {by}',
    reference: 'referencia {ref}',
    stated: 'Motivo declarado: {text}',
    count: '{n} entradas',
  },
};

const KIND_LABELS: Record<string, { en: string; es: string }> = {
  approved: { en: 'approved', es: 'aprobada' },
  denied: { en: 'denied', es: 'denegada' },
  pending: { en: 'pending', es: 'pendiente' },
  withdrawn: { en: 'withdrawn', es: 'retirada' },
  appropriate: { en: 'appropriate', es: 'apropiada' },
  referred: { en: 'referred', es: 'remitida' },
  mail: { en: 'mail', es: 'correo' },
  email: { en: 'email', es: 'correo electrónico' },
  phone: { en: 'phone', es: 'teléfono' },
  'in-person': { en: 'in person', es: 'en persona' },
  parent: { en: 'parent', es: 'padre o madre' },
  guardian: { en: 'guardian', es: 'tutor' },
  'eligible-student': { en: 'eligible student', es: 'estudiante elegible' },
  'before-disclosure': { en: 'before disclosure', es: 'antes de la divulgación' },
  'after-disclosure': { en: 'after disclosure', es: 'después de la divulgación' },
};
const kind = (value: unknown, lang: Lang) => KIND_LABELS[String(value)]?.[lang] ?? String(value ?? '');

function BasisLines(props: { basis: Basis; lang: Lang; timeZone: string; text: Record<Key, string> }) {
  const { basis, lang, text } = props;
  const lines: string[] = [];
  if (basis.consent) {
    lines.push(
      fill(text.consent, {
        signer: basis.consent.signer,
        relation: kind(basis.consent.relation, lang),
        date: basis.consent.signedOn,
        purpose: basis.consent.purpose,
        doc: basis.consent.documentRef ?? '—',
      }),
    );
  }
  if (basis.request) {
    lines.push(
      fill(text.requestStatus, {
        status: kind(basis.request.status, lang),
        by: basis.request.decidedBy ?? '—',
      }),
    );
  }
  if (basis.notice) {
    const made = basis.notice.made;
    if (made?.kind === 'notified') {
      lines.push(
        fill(text.noticeMade, {
          how: kind(made.method, lang),
          recipient: kind(made.recipient, lang),
          date: String(made.notifiedOn ?? ''),
          by: String(made.by ?? ''),
        }),
      );
    } else if (made?.kind === 'order-forbids') {
      lines.push(fill(text.noticeOrder, { wording: String(made.wording ?? '') }));
    } else if (basis.notice.waived) {
      lines.push(text.noticeWaived);
    } else {
      lines.push(fill(text.noticeNone, { timing: kind(basis.notice.timing, lang) }));
    }
  }
  if (basis.emergency) {
    if (basis.emergency.threat) lines.push(fill(text.threat, { threat: basis.emergency.threat }));
    lines.push(fill(text.parties, { parties: basis.emergency.parties.join(', ') }));
    const review = basis.emergency.review;
    lines.push(
      review.outcome
        ? fill(text.review, {
            outcome: kind(review.outcome, lang),
            by: review.by ?? '—',
            date: review.at ? formatDateTime(review.at, lang, props.timeZone) : '—',
          })
        : text.reviewPending,
    );
  }
  if (basis.justification) lines.push(fill(text.stated, { text: basis.justification }));
  return (
    <li>
      <strong>{label(ROW_LABELS, basis.basis, lang)}</strong>
      {basis.citations.length > 0 ? ` (${basis.citations.join('; ')})` : ''}
      {basis.reference ? ` · ${fill(text.reference, { ref: basis.reference })}` : ''}
      {lines.length > 0 ? (
        <ul>
          {lines.map((line, index) => (
            <li key={index}>{line}</li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

function EntryRow(props: { entry: Entry; lang: Lang; timeZone: string; text: Record<Key, string> }) {
  const { entry, lang, text } = props;
  return (
    <tr class="disclosure-entry">
      <td>{formatDateTime(entry.at, lang, props.timeZone)}</td>
      <td>
        {entry.who.username ?? '—'}
        {entry.who.agency ? <br /> : null}
        {entry.who.agency}
      </td>
      <td>{entry.categories.map((category) => label(ROW_LABELS, category, lang)).join(', ')}</td>
      <td>{text[entry.kind]}</td>
      <td>
        {entry.bases.length > 0 ? (
          <ul>
            {entry.bases.map((basis, index) => (
              <BasisLines key={index} basis={basis} lang={lang} timeZone={props.timeZone} text={text} />
            ))}
          </ul>
        ) : (
          '—'
        )}
      </td>
    </tr>
  );
}

function DisclosurePage(props: { params: URLSearchParams }) {
  const lang = useLang();
  const text = TEXT[lang];
  const [student, setStudent] = useState(props.params.get('student') ?? '');
  const [shown, setShown] = useState(props.params.get('student') ?? '');
  const [loaded, retry] = useLoad(
    () =>
      shown
        ? apiGet(`/reports/disclosure?${new URLSearchParams({ studentId: shown, lang })}`, AnswerSchema)
        : Promise.resolve(undefined),
    [shown, lang],
  );
  return (
    <>
      <form
        class="no-print"
        onSubmit={(event) => {
          event.preventDefault();
          setShown(student.trim());
        }}
      >
        <Field id="disclosure-student" label={text.student}>
          {(describedBy) => (
            <input
              id="disclosure-student"
              value={student}
              aria-describedby={describedBy}
              onInput={(event) => setStudent(event.currentTarget.value)}
            />
          )}
        </Field>
        <p>
          <button type="submit">{text.show}</button>
        </p>
      </form>
      <Load loaded={loaded} retry={retry}>
        {(answer) =>
          answer ? (
            <section class="report" aria-labelledby="disclosure-title">
              <h2 id="disclosure-title">{fill(text.title, { id: answer.record.studentId })}</h2>
              <p>{text.intro}</p>
              <p class="no-print">
                <button type="button" onClick={() => print()}>
                  {text.print}
                </button>
              </p>
              {answer.record.entries.length === 0 ? (
                <Empty>{text.none}</Empty>
              ) : (
                <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="disclosure-caption">
                  <table>
                    <caption id="disclosure-caption">
                      {fill(text.count, { n: answer.record.entries.length })}
                    </caption>
                    <thead>
                      <tr>
                        <th scope="col">{text.when}</th>
                        <th scope="col">{text.who}</th>
                        <th scope="col">{text.records}</th>
                        <th scope="col">{text.what}</th>
                        <th scope="col">{text.basis}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {answer.record.entries.map((entry) => (
                        <EntryRow
                          key={entry.eventId}
                          entry={entry}
                          lang={lang}
                          timeZone={answer.timeZone}
                          text={text}
                        />
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
          ) : null
        }
      </Load>
    </>
  );
}

export const disclosurePage: ConsolePage = {
  id: 'disclosure',
  title: { en: 'Disclosure record', es: 'Registro de divulgaciones' },
  roles: ['clerk', 'admin'],
  component: DisclosurePage,
};
