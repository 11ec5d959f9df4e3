/** Blueprints with their lint results (the checks of `lifeboat blueprint lint`). */
import { html } from 'htm/preact';
import type { BlueprintView } from '../api-types.ts';
import { ErrorNotice, Loading, PageHeading } from './components.ts';
import { useData } from './use-data.ts';

export function BlueprintsView({ refreshKey }: { refreshKey: string }) {
  const [loaded] = useData<BlueprintView[]>('blueprints', refreshKey);
  return html`<section aria-labelledby="bp-h">
    <${PageHeading}><span id="bp-h">Blueprints</span><//>
    ${loaded.state === 'loading' && html`<${Loading} what="blueprints" />`}
    ${loaded.state === 'failed' && html`<${ErrorNotice} error=${loaded.error} />`}
    ${
      loaded.state === 'ready' &&
      html`<table>
        <thead>
          <tr>
            <th scope="col">Blueprint</th>
            <th scope="col">Engine</th>
            <th scope="col">Actions</th>
            <th scope="col">Source</th>
            <th scope="col">Lint</th>
          </tr>
        </thead>
        <tbody>
          ${loaded.data.map(
            (b) =>
              html`<tr>
                <th scope="row">${b.namespace ? `${b.namespace}/` : ''}${b.name}</th>
                <td>${b.engine ?? '—'}</td>
                <td>${b.actions.join(', ') || '—'}</td>
                <td>${b.source}</td>
                <td>
                  ${
                    b.lint.length === 0
                      ? html`<span class="ok"><span aria-hidden="true">✓ </span>no problems</span>`
                      : html`<ul class="lint">
                          ${b.lint.map(
                            (p) =>
                              html`<li>
                                <code>${p.line === null ? '' : `line ${p.line} `}${p.path || '.'}</code>
                                ${p.message}
                              </li>`,
                          )}
                        </ul>`
                  }
                </td>
              </tr>`,
          )}
        </tbody>
      </table>`
    }
  </section>`;
}
