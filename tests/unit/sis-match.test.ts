import { describe, expect, it } from 'vitest';
import type { SisAdapter } from '../../src/policy/adapter';
import { adapterForUrl, hostMatches, isSisHost, matchPatternsFor } from '../../src/sis/match';
import { realBundle } from './support';

describe('hostMatches', () => {
  it.each([
    ['sis.district.example', 'sis.district.example', '', true],
    ['sis.district.example', 'SIS.District.Example', '', true],
    ['sis.district.example', 'evil-sis.district.example', '', false],
    ['*.aeries.net', 'ncl.aeries.net', '', true],
    ['*.aeries.net', 'aeries.net', '', false],
    ['*.aeries.net', 'aeries.net.evil.example', '', false],
    ['127.0.0.1:8080', '127.0.0.1', '8080', true],
    ['127.0.0.1:8080', '127.0.0.1', '8081', false],
    ['127.0.0.1', '127.0.0.1', '41234', true],
  ])('%s matches %s:%s → %s', (pattern, host, port, expected) => {
    expect(hostMatches(pattern, host, port)).toBe(expected);
  });
});

describe('adapterForUrl', () => {
  it('picks the demo adapter for guarded demo SIS paths only', () => {
    const adapters: readonly SisAdapter[] = realBundle.adapters;
    expect(adapterForUrl(adapters, 'http://127.0.0.1:5000/admin/students/home.html?frn=001100000')?.id).toBe(
      'demo-sis',
    );
    expect(adapterForUrl(adapters, 'http://127.0.0.1:5000/login')).toBeUndefined();
    expect(
      adapterForUrl(adapters, 'http://example.org/admin/students/home.html?frn=001100000'),
    ).toBeUndefined();
    expect(adapterForUrl(adapters, 'chrome://settings')).toBeUndefined();
    expect(adapterForUrl(adapters, 'not a url')).toBeUndefined();
    expect(isSisHost(adapters, 'http://127.0.0.1:5000/export/quick')).toBe(true);
    expect(isSisHost(adapters, 'http://example.org/')).toBe(false);
  });

  it('turns adapter hosts into Chrome match patterns without ports', () => {
    expect(
      matchPatternsFor([{ match: { hosts: ['*.aeries.net', '127.0.0.1:8080', 'sis.example.org'] } }]),
    ).toEqual(['*://*.aeries.net/*', '*://127.0.0.1/*', '*://sis.example.org/*']);
  });
});
