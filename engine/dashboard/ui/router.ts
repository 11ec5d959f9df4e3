/**
 * Hash routes (`#/applications/NS/NAME`), so the static files need no server-side fallback
 * and the back button works. Other hashes are ignored.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { readonly view: 'applications' }
  | { readonly view: 'application'; readonly namespace: string; readonly name: string }
  | { readonly view: 'actions' }
  | { readonly view: 'repositories' }
  | { readonly view: 'blueprints' }
  | { readonly view: 'not-found'; readonly path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second, third] = parts;
  if (parts.length === 0 || (first === 'applications' && parts.length === 1)) return { view: 'applications' };
  if (first === 'applications' && second !== undefined && third !== undefined && parts.length === 3)
    return { view: 'application', namespace: second, name: third };
  if (first === 'actions' && parts.length === 1) return { view: 'actions' };
  if (first === 'repositories' && parts.length === 1) return { view: 'repositories' };
  if (first === 'blueprints' && parts.length === 1) return { view: 'blueprints' };
  return { view: 'not-found', path };
}

export function applicationHref(namespace: string | null, name: string): string {
  return `#/applications/${encodeURIComponent(namespace ?? '_')}/${encodeURIComponent(name)}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => {
      if (location.hash === '' || location.hash.startsWith('#/')) setRoute(parseRoute(location.hash));
    };
    addEventListener('hashchange', onChange);
    return () => {
      removeEventListener('hashchange', onChange);
    };
  }, []);
  return route;
}
