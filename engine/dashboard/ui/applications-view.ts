/** Every application: protected, unprotected or failing; last backup, last drill, RPO actual vs policy. */
import { html } from 'htm/preact';
import type { ApplicationSummary, Rpo } from '../api-types.ts';
import { ago, duration, instant } from './format.ts';
import { ErrorNotice, Loading, PageHeading, PhaseBadge, StatusBadge } from './components.ts';
import { applicationHref } from './router.ts';
import { useData } from './use-data.ts';

function RpoCell({ rpo }: { rpo: Rpo }) {
  const late =
    rpo.actualSeconds !== null && rpo.policySeconds !== null && rpo.actualSeconds > rpo.policySeconds;
  return html`<span class=${late ? 'late' : ''}
    >${duration(rpo.actualSeconds)}${rpo.policySeconds === null ? '' : ` / ${duration(rpo.policySeconds)}`}${
      late ? html` <strong>(late)</strong>` : ''
    }</span
  >`;
}

function LastBackupCell({ app }: { app: ApplicationSummary }) {
  const last = app.lastBackup;
  if (!last) return html`never`;
  if (last.phase !== 'Succeeded') return html`<${PhaseBadge} phase=${last.phase} />`;
  return html`<time datetime=${last.completedAt ?? ''} title=${instant(last.completedAt)}
    >${ago(last.completedAt)}</time
  >`;
}

export function ApplicationsView({ refreshKey }: { refreshKey: string }) {
  const [loaded] = useData<ApplicationSummary[]>('applications', refreshKey);
  return html`<section aria-labelledby="apps-h">
    <${PageHeading}><span id="apps-h">Applications</span><//>
    ${loaded.state === 'loading' && html`<${Loading} what="applications" />`}
    ${loaded.state === 'failed' && html`<${ErrorNotice} error=${loaded.error} />`}
    ${loaded.state === 'ready' && html`<${ApplicationsTable} apps=${loaded.data} />`}
  </section>`;
}

function ApplicationsTable({ apps }: { apps: ApplicationSummary[] }) {
  const count = (s: string) => apps.filter((a) => a.status === s).length;
  if (apps.length === 0) return html`<p>No applications found.</p>`;
  return html`
    <ul class="counts" aria-label="Applications by status">
      <li><${StatusBadge} status="protected" /> ${count('protected')}</li>
      <li><${StatusBadge} status="unprotected" /> ${count('unprotected')}</li>
      <li><${StatusBadge} status="failing" /> ${count('failing')}</li>
    </ul>
    <table class="apps">
      <caption>
        ${apps.length} application${apps.length === 1 ? '' : 's'}; RPO is the time since the last good backup
        (/ what the policy's schedule promises)
      </caption>
      <thead>
        <tr>
          <th scope="col">Application</th>
          <th scope="col">Namespace</th>
          <th scope="col">Status</th>
          <th scope="col">Last backup</th>
          <th scope="col">Last drill</th>
          <th scope="col">RPO actual / policy</th>
          <th scope="col">Policy</th>
        </tr>
      </thead>
      <tbody>
        ${apps.map(
          (a) =>
            html`<tr>
              <th scope="row"><a href=${applicationHref(a.namespace, a.name)}>${a.name}</a></th>
              <td>${a.namespace ?? '—'}</td>
              <td>
                <${StatusBadge} status=${a.status} />
                <div class="reason">${a.reason}</div>
              </td>
              <td>
                <${LastBackupCell} app=${a} />
              </td>
              <td>
                ${
                  a.lastDrill
                    ? html`${a.lastDrill.passed ? 'passed ' : html`<strong>failed</strong> `}<time
                          datetime=${a.lastDrill.at}
                          title=${instant(a.lastDrill.at)}
                          >${ago(a.lastDrill.at)}</time
                        >`
                    : 'never'
                }
              </td>
              <td><${RpoCell} rpo=${a.rpo} /></td>
              <td>${a.policy ?? '—'}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  `;
}
