// The adapter recorder (issue #15): an admin signed in to their SIS as a test user picks the elements of an open
// SIS tab (who is signed in, the student id, sections, export buttons, sensitive field labels) and gets adapter
// JSON validated with the adapter schema, to review, copy or download and publish with the district policy. The
// SIS's sign-in, sign-out and start pages are recorded too: without them an SRO seen once keeps the SIS guarded
// for whoever signs in after them.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { SisAdapterSchema } from '../policy/adapter';
import { formatIssues } from '../policy/bundle';
import { CATEGORIES, type Category } from '../policy/vocabulary';
import { buildAdapter, type Pick, type PickRole } from '../recorder/build';
import { cellLayout, type PickedLayout } from '../recorder/layout';
import { pickElement } from '../recorder/pick';
import { PickedElementSchema } from '../recorder/picked';
import { RECORDER_TEXT, RECORDER_WARNINGS, type RecorderTextKey } from '../recorder/texts';
import { uiLanguage } from './i18n';

const say = (key: RecorderTextKey): string => RECORDER_TEXT[key][uiLanguage()];

interface TabChoice {
  id: number;
  title: string;
  url: string;
}

const LAYOUTS: { value: PickedLayout; label: RecorderTextKey }[] = [
  { value: 'next-cell', label: 'layoutNextCell' },
  { value: 'row-below', label: 'layoutRowBelow' },
  { value: 'either', label: 'layoutEither' },
  { value: 'header', label: 'layoutHeader' },
];

const PICKS: { role: PickRole; label: RecorderTextKey }[] = [
  { role: 'identity', label: 'pickIdentity' },
  { role: 'student', label: 'pickStudent' },
  { role: 'section', label: 'pickSection' },
  { role: 'export', label: 'pickExport' },
  { role: 'sensitive', label: 'pickSensitive' },
];

/** One list of the SIS's pages (one path per line), with a button that adds the SIS tab's current path. */
function PageList(props: {
  id: string;
  buttonId: string;
  label: RecorderTextKey;
  button: RecorderTextKey;
  value: string;
  onChange: (value: string) => void;
  canRecord: boolean;
  onRecord: () => void;
}) {
  return (
    <p>
      <label for={props.id}>{say(props.label)}</label>
      <br />
      <textarea
        id={props.id}
        rows={3}
        cols={60}
        aria-describedby="recorder-pages-hint"
        value={props.value}
        onInput={(event) => props.onChange((event.target as HTMLTextAreaElement).value)}
      />
      <br />
      <button type="button" id={props.buttonId} disabled={!props.canRecord} onClick={props.onRecord}>
        {say(props.button)}
      </button>
    </p>
  );
}

export function AdapterRecorder() {
  const [tabs, setTabs] = useState<TabChoice[]>([]);
  const [tabId, setTabId] = useState<number | undefined>(undefined);
  const [id, setId] = useState('district-sis');
  const [name, setName] = useState('District SIS (recorded)');
  const [studentId, setStudentId] = useState('');
  const [displayName, setDisplayName] = useState(false);
  const [category, setCategory] = useState<Category>('demographics');
  const [picks, setPicks] = useState<Pick[]>([]);
  const [signInText, setSignInText] = useState('');
  const [identityText, setIdentityText] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);

  const loadTabs = async (): Promise<void> => {
    const all = await browser.tabs.query({});
    const web = all.flatMap((tab) =>
      tab.id !== undefined && tab.url && /^https?:/.test(tab.url)
        ? [{ id: tab.id, title: tab.title ?? tab.url, url: tab.url }]
        : [],
    );
    setTabs(web);
    setTabId((current) =>
      current !== undefined && web.some((tab) => tab.id === current) ? current : web[0]?.id,
    );
  };
  useEffect(() => {
    void loadTabs();
  }, []);

  const tab = tabs.find((candidate) => candidate.id === tabId);

  const pickOn = async (role: PickRole): Promise<void> => {
    if (tabId === undefined) return;
    setBusy(true);
    setStatus(say('picking'));
    try {
      await browser.tabs.update(tabId, { active: true });
      const [result] = await browser.scripting.executeScript({
        target: { tabId },
        func: pickElement,
        args: [say('prompt')],
      });
      if (result?.result === null || result?.result === undefined) {
        setStatus(say('cancelled'));
        return;
      }
      // Read off a page the extension does not control: validated before it is used.
      const parsed = PickedElementSchema.safeParse(result.result);
      if (!parsed.success) {
        setStatus(say('cannotPick'));
        return;
      }
      const element = parsed.data;
      // Where a sensitive label's value is, read by the label-cell rules on a skeleton of its table.
      const layout: PickedLayout | undefined =
        role === 'sensitive' && element.cell
          ? cellLayout(element.cell, document.implementation.createHTMLDocument(''))
          : undefined;
      setPicks((current) => [
        ...current,
        { role, element, ...(role === 'section' ? { category } : {}), ...(layout ? { layout } : {}) },
      ]);
      setStatus(`${say('picked')}: ${element.selector}`);
    } catch {
      setStatus(say('cannotPick'));
    } finally {
      setBusy(false);
    }
  };

  /** Adds the SIS tab's page, as it is now (the admin opened the sign-in or start page there), to a list. */
  const recordPage = async (add: (update: (text: string) => string) => void): Promise<void> => {
    if (tabId === undefined) return;
    try {
      const current = await browser.tabs.get(tabId);
      if (!current.url || !/^https?:/.test(current.url)) {
        setStatus(say('cannotPick'));
        return;
      }
      const path = new URL(current.url).pathname;
      add((text) =>
        text.split('\n').some((line) => line.trim() === path)
          ? text
          : `${text.trimEnd()}\n${path}`.trimStart(),
      );
      setStatus(`${say('addedPage')}: ${path}`);
    } catch {
      setStatus(say('cannotPick'));
    }
  };
  const lines = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');

  const recorded = useMemo(() => {
    if (!tab) return undefined;
    const { adapter, warnings } = buildAdapter({
      id,
      name,
      url: picks[0]?.element.url ?? tab.url,
      picks,
      ...(studentId.trim() ? { studentId: studentId.trim() } : {}),
      displayName,
      recordedOn: new Date().toISOString().slice(0, 10),
      signInPages: lines(signInText),
      identityPages: lines(identityText),
    });
    const parsed = SisAdapterSchema.safeParse(adapter);
    return {
      json: JSON.stringify(adapter, null, 2),
      errors: parsed.success ? [] : formatIssues(parsed.error),
      warnings,
    };
  }, [tab, id, name, picks, studentId, displayName, signInText, identityText]);

  const download = (): void => {
    if (!recorded) return;
    const url = URL.createObjectURL(new Blob([recorded.json], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `${id || 'adapter'}.json`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  return (
    <section aria-labelledby="recorder-title" id="adapter-recorder">
      <h2 id="recorder-title">{say('title')}</h2>
      <p>{say('intro')}</p>
      <p>
        <label for="recorder-tab">{say('tab')}</label>{' '}
        <select
          id="recorder-tab"
          value={tabId === undefined ? '' : String(tabId)}
          onChange={(event) => setTabId(Number((event.target as HTMLSelectElement).value))}
        >
          {tabs.map((choice) => (
            <option key={choice.id} value={String(choice.id)}>
              {choice.title}
            </option>
          ))}
        </select>{' '}
        <button type="button" onClick={() => void loadTabs()}>
          {say('refresh')}
        </button>
      </p>
      {tabs.length === 0 && <p>{say('noTabs')}</p>}
      <p>
        <label for="recorder-id">{say('adapterId')}</label>{' '}
        <input
          id="recorder-id"
          value={id}
          onInput={(event) => setId((event.target as HTMLInputElement).value)}
        />{' '}
        <label for="recorder-name">{say('adapterName')}</label>{' '}
        <input
          id="recorder-name"
          value={name}
          onInput={(event) => setName((event.target as HTMLInputElement).value)}
        />
      </p>
      <p>
        <label for="recorder-student">{say('studentId')}</label>{' '}
        <input
          id="recorder-student"
          value={studentId}
          onInput={(event) => setStudentId((event.target as HTMLInputElement).value)}
        />{' '}
        <label>
          <input
            type="checkbox"
            id="recorder-display-name"
            checked={displayName}
            onChange={(event) => setDisplayName((event.target as HTMLInputElement).checked)}
          />{' '}
          {say('displayName')}
        </label>
      </p>
      <p>
        <label for="recorder-category">{say('category')}</label>{' '}
        <select
          id="recorder-category"
          value={category}
          onChange={(event) => setCategory((event.target as HTMLSelectElement).value as Category)}
        >
          {CATEGORIES.filter((candidate) => candidate !== 'immigration').map((candidate) => (
            <option key={candidate} value={candidate}>
              {candidate}
            </option>
          ))}
        </select>
      </p>
      <p class="actions">
        {PICKS.map((entry) => (
          <button
            key={entry.role}
            type="button"
            data-pick={entry.role}
            disabled={busy || tabId === undefined}
            onClick={() => void pickOn(entry.role)}
          >
            {say(entry.label)}
          </button>
        ))}
      </p>
      <fieldset id="recorder-pages">
        <legend>{say('pagesTitle')}</legend>
        <p>{say('pagesIntro')}</p>
        <p id="recorder-pages-hint">{say('pagesHint')}</p>
        <PageList
          id="recorder-sign-in"
          buttonId="recorder-add-sign-in"
          label="signInPages"
          button="addSignIn"
          value={signInText}
          onChange={setSignInText}
          canRecord={tabId !== undefined}
          onRecord={() => void recordPage(setSignInText)}
        />
        <PageList
          id="recorder-identity-pages"
          buttonId="recorder-add-identity"
          label="identityPages"
          button="addIdentity"
          value={identityText}
          onChange={setIdentityText}
          canRecord={tabId !== undefined}
          onRecord={() => void recordPage(setIdentityText)}
        />
      </fieldset>
      <p id="recorder-status" role="status" aria-live="polite">
        {status}
      </p>
      {picks.length > 0 && (
        <ul id="recorder-picks">
          {picks.map((entry, index) => (
            <li key={`${entry.role}-${index}`}>
              {entry.role}
              {entry.category ? ` (${entry.category})` : ''}: <code>{entry.element.selector}</code> “
              {entry.element.text.slice(0, 60)}”{' '}
              {entry.layout && (
                <>
                  <label for={`recorder-layout-${index}`}>{say('layout')}</label>{' '}
                  <select
                    id={`recorder-layout-${index}`}
                    data-layout-of={index}
                    value={entry.layout}
                    onChange={(event) => {
                      const chosen = (event.target as HTMLSelectElement).value;
                      const value = LAYOUTS.find((choice) => choice.value === chosen)?.value;
                      if (!value) return;
                      setPicks((current) =>
                        current.map((one, at) => (at === index ? { ...one, layout: value } : one)),
                      );
                    }}
                  >
                    {LAYOUTS.map((choice) => (
                      <option key={choice.value} value={choice.value}>
                        {say(choice.label)}
                      </option>
                    ))}
                  </select>{' '}
                </>
              )}
              <button
                type="button"
                onClick={() => setPicks((current) => current.filter((_, at) => at !== index))}
              >
                {say('remove')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {recorded && (
        <>
          {recorded.errors.length === 0 ? (
            <p id="recorder-valid" class="ok">
              {say('valid')}
            </p>
          ) : (
            <div id="recorder-errors" class="problems">
              <p>{say('invalid')}</p>
              <ul>
                {recorded.errors.map((error) => (
                  <li key={error}>{error}</li>
                ))}
              </ul>
            </div>
          )}
          {recorded.warnings.length > 0 && (
            <div id="recorder-warnings" class="problems">
              <p>{say('review')}</p>
              <ul>
                {recorded.warnings.map((warning) => (
                  <li key={warning} data-warning={warning}>
                    {RECORDER_WARNINGS[warning][uiLanguage()]}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <p>
            <label for="recorder-json">{say('json')}</label>
          </p>
          <textarea id="recorder-json" readOnly rows={16} cols={80} value={recorded.json} />
          <p class="actions">
            <button
              type="button"
              onClick={() =>
                void navigator.clipboard.writeText(recorded.json).then(() => setStatus(say('copied')))
              }
            >
              {say('copy')}
            </button>{' '}
            <button type="button" onClick={download}>
              {say('download')}
            </button>
          </p>
        </>
      )}
    </section>
  );
}
