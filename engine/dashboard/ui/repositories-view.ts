/** Repositories: backups, size, deduplication, encryption, immutability. */
import { html } from 'htm/preact';
import type { RepositoryView } from '../api-types.ts';
import { bytes, ratio } from './format.ts';
import { ErrorNotice, Loading, PageHeading } from './components.ts';
import { useData } from './use-data.ts';

export function RepositoriesView({ refreshKey }: { refreshKey: string }) {
  const [loaded] = useData<RepositoryView[]>('repositories', refreshKey);
  return html`<section aria-labelledby="repos-h">
    <${PageHeading}><span id="repos-h">Repositories</span><//>
    ${loaded.state === 'loading' && html`<${Loading} what="repositories" />`}
    ${loaded.state === 'failed' && html`<${ErrorNotice} error=${loaded.error} />`}
    ${
      loaded.state === 'ready' &&
      html`<table>
        <thead>
          <tr>
            <th scope="col">Repository</th>
            <th scope="col">Location</th>
            <th scope="col">Backups</th>
            <th scope="col">Logical size</th>
            <th scope="col">Stored</th>
            <th scope="col">Dedup ratio</th>
            <th scope="col">Encrypted</th>
            <th scope="col">Immutability</th>
          </tr>
        </thead>
        <tbody>
          ${loaded.data.map(
            (r) =>
              html`<tr>
                <th scope="row">${r.namespace ? `${r.namespace}/` : ''}${r.name}</th>
                <td><code>${r.url}</code></td>
                <td>${r.backups}</td>
                <td>${bytes(r.logicalBytes)}</td>
                <td>${bytes(r.storedBytes)}</td>
                <td>${ratio(r.dedupRatio)}</td>
                <td>${r.encrypted === null ? '—' : r.encrypted ? 'yes' : html`<strong>no</strong>`}</td>
                <td>${r.immutability ? `${r.immutability.mode}, ${r.immutability.days} days` : 'none'}</td>
              </tr>`,
          )}
        </tbody>
      </table>`
    }
  </section>`;
}
