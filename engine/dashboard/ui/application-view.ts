/**
 * One application: members (engine, strategy, guarantee), charts, the backups timeline with
 * freeze windows, drill history with per-table differences, and (cluster mode) actions.
 */
import { html } from 'htm/preact';
import { useMemo } from 'preact/hooks';
import type {
  ApplicationDetail,
  BackupView,
  DashboardInfo,
  DrillView,
  TableDifference,
} from '../api-types.ts';
import { ActionsPanel } from './actions-panel.ts';
import { drillRecovery, durationAndSize, freezeDistribution } from './application-charts.ts';
import { Chart } from './chart.ts';
import { ErrorNotice, Loading, PageHeading, PhaseBadge, StatusBadge } from './components.ts';
import { ago, bytes, duration, instant, ms } from './format.ts';
import { useData } from './use-data.ts';

export function ApplicationView(props: {
  namespace: string;
  name: string;
  info: DashboardInfo;
  refreshKey: string;
}) {
  const path = `applications/${encodeURIComponent(props.namespace)}/${encodeURIComponent(props.name)}`;
  const [loaded, reload] = useData<ApplicationDetail>(path, props.refreshKey);
  return html`<article aria-labelledby="app-h">
    <p class="crumbs"><a href="#/">Applications</a> <span aria-hidden="true">›</span> ${props.name}</p>
    <${PageHeading}><span id="app-h">${props.name}</span><//>
    ${loaded.state === 'loading' && html`<${Loading} what="the application" />`}
    ${loaded.state === 'failed' && html`<${ErrorNotice} error=${loaded.error} />`}
    ${loaded.state === 'ready' && html`<${Detail} app=${loaded.data} info=${props.info} reload=${reload} />`}
  </article>`;
}

function Detail({ app, info, reload }: { app: ApplicationDetail; info: DashboardInfo; reload: () => void }) {
  const charts = useMemo(
    () => [durationAndSize(app.backups), freezeDistribution(app.backups), drillRecovery(app.drills)],
    [app],
  );
  return html`
    <dl class="facts">
      <div>
        <dt>Status</dt>
        <dd><${StatusBadge} status=${app.status} /> ${app.reason}</dd>
      </div>
      <div>
        <dt>Namespace</dt>
        <dd>${app.namespace ?? '—'}</dd>
      </div>
      <div>
        <dt>Policy</dt>
        <dd>${app.policy ?? '—'}</dd>
      </div>
      <div>
        <dt>Consistency</dt>
        <dd>${app.consistency ?? '—'}</dd>
      </div>
      <div>
        <dt>Last backup</dt>
        <dd>${lastBackupText(app)}</dd>
      </div>
      <div>
        <dt>RPO actual / policy</dt>
        <dd>${duration(app.rpo.actualSeconds)} / ${duration(app.rpo.policySeconds)}</dd>
      </div>
    </dl>
    ${info.actions && app.namespace !== null && html`<${ActionsPanel} app=${app} onDone=${reload} />`}
    <section aria-labelledby="members-h">
      <h2 id="members-h">Members</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Engine</th>
            <th scope="col">Strategy</th>
            <th scope="col">Consistency guarantee</th>
            <th scope="col">Databases</th>
          </tr>
        </thead>
        <tbody>
          ${app.memberDetails.map(
            (m) =>
              html`<tr>
                <th scope="row">${m.name}</th>
                <td>${m.engine ?? '—'}</td>
                <td>${m.strategy ?? '—'}</td>
                <td>${m.guarantee ?? '—'}</td>
                <td>${m.databases.join(', ') || '—'}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <section aria-labelledby="charts-h">
      <h2 id="charts-h">Trends</h2>
      <div class="charts">${charts.map((c) => html`<${Chart} key=${c.id} ...${c} />`)}</div>
    </section>
    <${Timeline} backups=${app.backups} />
    <${Drills} drills=${app.drills} />
  `;
}

function lastBackupText(app: ApplicationDetail): string {
  const last = app.lastBackup;
  if (!last) return 'never';
  return last.phase === 'Succeeded' ? ago(last.completedAt) : `${last.phase.toLowerCase()} (${last.id})`;
}

function sizeText(b: BackupView): string {
  return `took ${duration(b.durationSeconds)}, ${bytes(b.bytes)} (${bytes(b.storedBytes)} new)`;
}

function Timeline({ backups }: { backups: readonly BackupView[] }) {
  const newestFirst = [...backups].reverse();
  return html`<section aria-labelledby="timeline-h">
    <h2 id="timeline-h">Backups timeline</h2>
    ${
      backups.length === 0
        ? html`<p>No backups yet.</p>`
        : html`<ol class="timeline" aria-label="Backups, newest first">
            ${newestFirst.map(
              (b) =>
                html`<li class=${`tl-${b.phase.toLowerCase()}`}>
                  <time datetime=${b.startedAt ?? ''}>${instant(b.startedAt)}</time>
                  <span><${PhaseBadge} phase=${b.phase} /></span>
                  <span class="tl-id">${b.id}</span>
                  <span>${sizeText(b)}</span>
                  <span>freeze window ${ms(b.freezeWindowMs)}</span>
                  ${b.message && html`<span class="reason">${b.message}</span>`}
                </li>`,
            )}
          </ol>`
    }
  </section>`;
}

function differenceText(d: TableDifference): string {
  const side = (f: TableDifference['expected']) => (f ? `${f.rows} rows` : 'absent');
  return `expected ${side(d.expected)}, got ${side(d.actual)}`;
}

/** Cluster mode lists at most 50 tables per drill; say how many more the report has. */
function moreDifferences(d: DrillView) {
  const more = (d.differenceCount ?? 0) - d.differences.length;
  return more > 0 ? html`<li>… and ${more} more (in the drill report)</li>` : '';
}

function Drills({ drills }: { drills: readonly DrillView[] }) {
  return html`<section aria-labelledby="drills-h">
    <h2 id="drills-h">Drill history</h2>
    ${
      drills.length === 0
        ? html`<p>No drills yet: a backup that was never restored is a hope, not a backup.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Backup</th>
                <th scope="col">Result</th>
                <th scope="col">Recovery time</th>
                <th scope="col">Tables that differ</th>
              </tr>
            </thead>
            <tbody>
              ${[...drills].reverse().map(
                (d) =>
                  html`<tr>
                    <td><time datetime=${d.at}>${instant(d.at)}</time></td>
                    <td>${d.backupId ?? '—'}</td>
                    <td>
                      ${d.passed === null ? html`<${PhaseBadge} phase=${d.phase} />` : d.passed ? 'passed' : html`<strong>failed</strong>`}${d.message ? html`<div class="reason">${d.message}</div>` : ''}
                    </td>
                    <td>${duration(d.recoverySeconds)}</td>
                    <td>
                      ${
                        d.differences.length > 0
                          ? html`<ul class="diffs">
                              ${d.differences.map(
                                (x) =>
                                  html`<li>
                                    <code>${x.member}: ${x.table}</code>${` ${differenceText(x)}`}
                                  </li>`,
                              )}
                              ${moreDifferences(d)}
                            </ul>`
                          : d.differenceCount === null
                            ? '—'
                            : String(d.differenceCount)
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  </section>`;
}
