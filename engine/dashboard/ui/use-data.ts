/** Load JSON for a view; re-load when `key` changes. */
import { useEffect, useState } from 'preact/hooks';
import { getJson, ApiError } from './api.ts';

export type Loaded<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'failed'; readonly error: ApiError }
  | { readonly state: 'ready'; readonly data: T };

export function useData<T>(path: string, key: string): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    setLoaded({ state: 'loading' });
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
