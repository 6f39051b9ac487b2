// The background's glue, with WXT's fakeBrowser: who may send what (router and sender checks), and the managed
// settings' fallback while the browser's first live read is pending.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { isExtensionPage, pageSender, routeMessage } from '../../src/background/router';
import {
  forgetManagedSettings,
  managedSettings,
  onManagedSettingsChange,
} from '../../src/background/managed';

const SIS = 'http://127.0.0.1:4100';
const tab = { id: 7 } as Browser.tabs.Tab;
const effects = {
  identityChanged: vi.fn(async () => undefined),
  syncSoon: vi.fn(async () => undefined),
  accessChanged: vi.fn(async () => undefined),
};

describe('sender checks', () => {
  beforeEach(() => fakeBrowser.reset());

  it('a content script of this extension in a web page, as the browser reports it', () => {
    const id = fakeBrowser.runtime.id;
    expect(pageSender({ id, tab, frameId: 2, origin: SIS })).toEqual({ tabId: 7, frameId: 2, origin: SIS });
    expect(pageSender({ id, tab, url: `${SIS}/admin/home.html` })).toEqual({
      tabId: 7,
      frameId: 0,
      origin: SIS,
    });
  });

  it('refuses another extension, a sender with no tab, and a page that is not http(s)', () => {
    const id = fakeBrowser.runtime.id;
    expect(pageSender({ id: 'someone-else', tab, origin: SIS })).toBeUndefined();
    expect(pageSender({ id, origin: SIS })).toBeUndefined();
    expect(pageSender({ id, tab, origin: 'file://' })).toBeUndefined();
    expect(pageSender({ id, tab })).toBeUndefined();
  });

  it("an extension page is one whose browser-reported origin is this extension's own", () => {
    const own = new URL(fakeBrowser.runtime.getURL('/')).origin;
    expect(isExtensionPage({ id: fakeBrowser.runtime.id, origin: own })).toBe(true);
    expect(isExtensionPage({ id: fakeBrowser.runtime.id, origin: SIS })).toBe(false);
    expect(isExtensionPage({ id: 'other', origin: own })).toBe(false);
  });
});

describe('routeMessage', () => {
  beforeEach(() => fakeBrowser.reset());
  const sender = (): Browser.runtime.MessageSender => ({ id: fakeBrowser.runtime.id, tab, origin: SIS });

  it('drops a malformed message, and one from a page that is not a content script, without an answer', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(routeMessage({ channel: 'page.hello' }, sender(), effects)).toBeUndefined();
    expect(routeMessage({ channel: 'page.nothing', url: SIS }, sender(), effects)).toBeUndefined();
    expect(
      routeMessage({ channel: 'page.hello', url: `${SIS}/` }, { id: 'x', tab, origin: SIS }, effects),
    ).toBeUndefined();
    warn.mockRestore();
  });

  it("drops a page's claim of a URL on another origin than the browser reports", () => {
    expect(
      routeMessage({ channel: 'page.hello', url: 'http://evil.example/admin/students/' }, sender(), effects),
    ).toBeUndefined();
  });

  it('an extension-page channel sent by a web page is not routed', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(routeMessage({ channel: 'log.status' }, sender(), effects)).toBeUndefined();
    warn.mockRestore();
  });

  it('a well-formed hello waits for the ready state and answers for the page', async () => {
    (fakeBrowser.i18n as unknown as { getUILanguage: () => string }).getUILanguage = () => 'es-MX';
    const reply = (await routeMessage(
      { channel: 'page.hello', url: `${SIS}/admin/students/home.html?frn=001100000` },
      sender(),
      effects,
    )) as { guard: string; language: string; adapter?: { id: string } };
    expect(reply).toMatchObject({ guard: 'check', language: 'es', adapter: { id: 'demo-sis' } });
  });
});

describe('managed settings', () => {
  beforeEach(() => {
    fakeBrowser.reset();
    forgetManagedSettings();
  });

  it('reads the live settings when nothing was known before, and keeps them as the last known', async () => {
    await fakeBrowser.storage.managed.set({ role: 'sro', deviceLabel: 'Car 12' });
    expect(await managedSettings()).toEqual({ role: 'sro', deviceLabel: 'Car 12' });
    expect((await fakeBrowser.storage.local.get('managed.lastKnown'))['managed.lastKnown']).toEqual({
      role: 'sro',
      deviceLabel: 'Car 12',
    });
  });

  it('a rejected managed entry keeps an SRO role (it must not look like a teacher’s browser)', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await fakeBrowser.storage.managed.set({ role: 'sro', hubUrl: 'not a url' });
    expect(await managedSettings()).toEqual({ role: 'sro' });
    forgetManagedSettings();
    await fakeBrowser.storage.managed.set({ role: 'teacher', hubUrl: 'not a url' });
    await fakeBrowser.storage.local.remove('managed.lastKnown');
    expect(await managedSettings()).toEqual({});
    error.mockRestore();
  });

  it('uses the last known settings at once and reports a live read that differs', async () => {
    await fakeBrowser.storage.local.set({ 'managed.lastKnown': { role: 'teacher' } });
    await fakeBrowser.storage.managed.set({ role: 'sro' });
    const changed = vi.fn();
    onManagedSettingsChange(changed);
    expect(await managedSettings()).toEqual({ role: 'teacher' });
    await vi.waitFor(() => expect(changed).toHaveBeenCalledTimes(1));
    expect(await managedSettings()).toEqual({ role: 'sro' });
  });

  it('a browser without managed storage has no managed settings', async () => {
    const managed = fakeBrowser.storage.managed as unknown as { get: () => Promise<unknown> };
    const original = managed.get;
    managed.get = () => Promise.reject(new Error('Managed storage manifest not found'));
    try {
      expect(await managedSettings()).toEqual({});
    } finally {
      managed.get = original;
    }
  });
});
