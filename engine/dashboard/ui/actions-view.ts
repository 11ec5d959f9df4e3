/** Backups, restores and drills running now, with live progress over Server-Sent Events. */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { ActionProgress, ApiErrorBody, RunningAction } from '../api-types.ts';
import { ApiError, readEvents } from './api.ts';
import { ErrorNotice, Loading, PageHeading, PhaseBadge } from './components.ts';
import { ago, bytes, duration } from './format.ts';

/** Done fraction from bytes so far, rate and ETA; null when there is no estimate. */
function fraction(p: ActionProgress): number | null {
  if (p.etaSeconds === null || p.bytesPerSecond === null || p.etaSeconds <= 0) return null;
  const total = p.bytes + p.bytesPerSecond * p.etaSeconds;
  return total > 0 ? p.bytes / total : null;
}

export function ActionsView({ refreshKey }: { refreshKey: string }) {
  const [actions, setActions] = useState<RunningAction[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    readEvents(
      'events',
      (event, data) => {
        if (event === 'actions') {
          setActions(JSON.parse(data) as RunningAction[]);
          setError(null);
        } else if (event === 'failure') {
          const body = JSON.parse(data) as ApiErrorBody;
          setError(new ApiError(body.status, body.error));
        }
      },
      abort.signal,
    ).catch((e: unknown) => {
      if (!abort.signal.aborted) setError(e instanceof ApiError ? e : new ApiError(0, (e as Error).message));
    });
    return () => {
      abort.abort();
    };
  }, [refreshKey]);
  return html`<section aria-labelledby="run-h">
    <${PageHeading}><span id="run-h">Running actions</span><//>
    <p class="hint">Updates live.</p>
    ${error && html`<${ErrorNotice} error=${error} />`}
    ${actions === null && !error && html`<${Loading} what="running actions" />`}
    ${
      actions !== null &&
      (actions.length === 0
        ? html`<p role="status">Nothing is running.</p>`
        : html`<table aria-live="polite">
            <thead>
              <tr>
                <th scope="col">Action</th>
                <th scope="col">Application</th>
                <th scope="col">Phase</th>
                <th scope="col">Started</th>
                <th scope="col">Progress</th>
              </tr>
            </thead>
            <tbody>
              ${actions.map(
                (a) =>
                  html`<tr>
                    <th scope="row">${a.kind} ${a.namespace ? `${a.namespace}/` : ''}${a.name}</th>
                    <td>${a.application ?? '—'}</td>
                    <td><${PhaseBadge} phase=${a.phase} /></td>
                    <td>${ago(a.startedAt)}</td>
                    <td>
                      ${
                        a.progress
                          ? html`${
                              fraction(a.progress) === null
                                ? ''
                                : html`<progress
                                    max="1"
                                    value=${fraction(a.progress)}
                                    aria-label="estimated completion"
                                  ></progress>`
                            }
                            ${bytes(a.progress.bytes)}${a.progress.rows === null ? '' : `, ${a.progress.rows} rows`}${
                              a.progress.bytesPerSecond === null
                                ? ''
                                : `, ${bytes(a.progress.bytesPerSecond)}/s`
                            }${
                              a.progress.etaSeconds === null
                                ? ''
                                : `, ${duration(a.progress.etaSeconds)} left`
                            }`
                          : (a.message ?? '—')
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`)
    }
  </section>`;
}
