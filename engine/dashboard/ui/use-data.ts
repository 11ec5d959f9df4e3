/**
 * Load JSON for a view; load again when `path` or `key` changes (showing "loading"), or in
 * the background when `reload` is called (the current data stays on screen meanwhile, so
 * what the user was looking at, e.g. an action's result, does not disappear).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson, ApiError } from './api.ts';

export type Loaded<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'failed'; readonly error: ApiError }
  | { readonly state: 'ready'; readonly data: T };

export function useData<T>(path: string, key: string): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  const shown = useRef('');
  useEffect(() => {
    let current = true;
    const what = `${path}\n${key}`;
    if (shown.current !== what) setLoaded({ state: 'loading' });
    shown.current = what;
    getJson<T>(path).then(
      (data) => {
        if (current) setLoaded({ state: 'ready', data });
      },
      (error: unknown) => {
        if (current)
          setLoaded({
            state: 'failed',
            error: error instanceof ApiError ? error : new ApiError(0, (error as Error).message),
          });
      },
    );
    return () => {
      current = false;
    };
  }, [path, key, generation]);
  return [
    loaded,
    () => {
      setGeneration((g) => g + 1);
    },
  ];
}
