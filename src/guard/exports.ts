// Stops exports, print and copy on an SRO's guarded page until the background allows them.
// Listeners run in the capture phase on the window, before any page handler sees the event.
import type { SisAdapter } from '../policy/adapter';
import type { Action, Category } from '../policy/vocabulary';
import { splitFieldList } from '../decide/classify';
import { flash } from './cover';
import { checkExport, openGate } from './messages';
import { pick, text, type Language } from './texts';

type Control = SisAdapter['exports']['controls'][number];

export interface ExportContext {
  language: () => Language;
  categories: () => Category[];
  studentId: () => string | undefined;
  allowPrint: () => boolean;
  allowCopy: () => boolean;
  setPrintAllowed: (allowed: boolean) => void;
}

const actionOf = (control: Control): Action => (control.kind === 'print' ? 'print' : 'export');

function fieldsOf(control: Control, root: Element): string[] {
  if (control.fieldList === undefined) return [];
  const list = root.querySelector(control.fieldList) ?? document.querySelector(control.fieldList);
  const value =
    list instanceof HTMLTextAreaElement || list instanceof HTMLInputElement ? list.value : list?.textContent;
  // Split as the SIS splits it (tabs too); the background splits again and checks every field.
  // A name cut short or a list cut off must not pass unchecked: what does not fit reaches the background as a
  // field no policy knows, which stops the export.
  const fields = splitFieldList(value ?? '').map((field) =>
    field.length > 200 ? `${field.slice(0, 199)}…` : field,
  );
  return fields.length > 2000 ? [...fields.slice(0, 1999), '(more than 2,000 fields)'] : fields;
}

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((value, index) => value === b[index]);

/** Where a form's submission goes: its endpoint and method; a GET form's URL carries its fields. */
function formTarget(form: HTMLFormElement): { url: string; method: 'get' | 'post' } {
  const method = form.method.toLowerCase() === 'get' ? 'get' : 'post';
  const url = new URL(form.action, location.href);
  if (method === 'get') {
    const query = new URLSearchParams();
    new FormData(form).forEach((value, name) => {
      if (typeof value === 'string') query.append(name, value);
    });
    url.search = query.toString();
  }
  url.hash = '';
  return { url: url.href, method };
}

export function installExportGuard(adapter: SisAdapter, context: ExportContext, signal: AbortSignal): void {
  const replaying = new WeakSet<Element>();
  const clickable = adapter.exports.controls.filter((control) => control.kind !== 'form');
  const forms = adapter.exports.controls.filter((control) => control.kind === 'form');

  const ask = async (
    control: Control,
    element: Element,
    fields: string[],
    target?: { url: string; method: 'get' | 'post' },
  ): Promise<boolean> => {
    const studentId = context.studentId();
    try {
      const verdict = await checkExport({
        channel: 'export.check',
        url: location.href,
        control: control.id,
        action: actionOf(control),
        ...(target ? { target: target.url.slice(0, 4096), method: target.method } : {}),
        categories: control.categories ?? context.categories(),
        fields,
        ...(studentId ? { studentId } : {}),
      });
      if (!verdict.allowed) {
        const categories = control.categories ?? context.categories();
        const canContinue =
          (verdict.outcome === 'justify' || verdict.outcome === 'request') &&
          studentId !== undefined &&
          categories.length > 0;
        flash(
          text('exportBlocked', context.language()) + pick(verdict.reason, context.language()),
          canContinue
            ? {
                label: text('continue', context.language()),
                onActivate: () =>
                  void openGate({
                    channel: 'gate.open',
                    url: location.href,
                    action: actionOf(control),
                    studentId,
                    categories,
                    fields: fieldsOf(control, element),
                  }).catch(() => undefined),
              }
            : undefined,
        );
      }
      return verdict.allowed;
    } catch {
      flash(text('exportBlocked', context.language()) + text('unavailableBody', context.language()));
      return false;
    }
  };

  window.addEventListener(
    'click',
    (event) => {
      const origin = event.target instanceof Element ? event.target : null;
      if (!origin) return;
      for (const control of clickable) {
        const element = origin.closest(control.selector);
        if (!element) continue;
        if (replaying.has(element)) {
          replaying.delete(element);
          return;
        }
        event.preventDefault();
        event.stopImmediatePropagation();
        const target =
          element instanceof HTMLAnchorElement ? { url: element.href, method: 'get' as const } : undefined;
        void ask(control, element, fieldsOf(control, element), target).then((allowed) => {
          if (!allowed) return;
          if (control.kind === 'print') context.setPrintAllowed(true);
          replaying.add(element);
          (element as HTMLElement).click();
        });
        return;
      }
    },
    { capture: true, signal },
  );

  window.addEventListener(
    'submit',
    (event) => {
      const form = event.target instanceof HTMLFormElement ? event.target : null;
      if (!form) return;
      const control = forms.find((candidate) => form.matches(candidate.selector));
      if (!control) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      const fields = fieldsOf(control, form);
      const target = formTarget(form);
      void ask(control, form, fields, target).then((allowed) => {
        if (!allowed) return;
        // Read again right before the submit: a field list or address changed while the background decided
        // would send what was not checked. Nothing runs between this check and submit() in this task.
        const now = formTarget(form);
        if (
          !sameList(fieldsOf(control, form), fields) ||
          now.url !== target.url ||
          now.method !== target.method
        ) {
          flash(text('exportChanged', context.language()));
          return;
        }
        // The prototype's submit(): a form control named "submit" cannot stand in for it. It skips the submit
        // event, so the allowed export is not intercepted again.
        HTMLFormElement.prototype.submit.call(form);
      });
    },
    { capture: true, signal },
  );

  window.addEventListener(
    'keydown',
    (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'p' && !context.allowPrint()) {
        event.preventDefault();
        event.stopImmediatePropagation();
        flash(text('printBlocked', context.language()));
      }
    },
    { capture: true, signal },
  );

  const stopCopy = (event: Event): void => {
    if (context.allowCopy()) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    if (event instanceof ClipboardEvent) event.clipboardData?.setData('text/plain', '');
    flash(text('copyBlocked', context.language()));
  };
  for (const type of ['copy', 'cut', 'dragstart']) {
    window.addEventListener(type, stopCopy, { capture: true, signal });
  }
}
