// Pages live in the URL's fragment (/console/#/<page>?<params>), so the hub serves one index.html and a
// reload or a bookmark opens the same page.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  page: string;
  params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const [page = '', query = ''] = text.split('?', 2);
  return { page: decodeURIComponent(page), params: new URLSearchParams(query) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function navigate(path: string): void {
  location.hash = `#/${path.replace(/^[#/]+/, '')}`;
}
