/** The dashboard front-end: Preact + htm, bundled by esbuild into dist/dashboard (no CDN, no run-time downloads). */
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { DashboardInfo } from '../api-types.ts';
import { ApiError, getJson, session } from './api.ts';
import { ActionsView } from './actions-view.ts';
import { ApplicationView } from './application-view.ts';
import { ApplicationsView } from './applications-view.ts';
import { BlueprintsView } from './blueprints-view.ts';
import { ErrorNotice, Loading, PageHeading } from './components.ts';
import { RepositoriesView } from './repositories-view.ts';
import { useRoute, type Route } from './router.ts';

const NAV: readonly { readonly view: Route['view']; readonly href: string; readonly label: string }[] = [
  { view: 'applications', href: '#/', label: 'Applications' },
  { view: 'actions', href: '#/actions', label: 'Running' },
  { view: 'repositories', href: '#/repositories', label: 'Repositories' },
  { view: 'blueprints', href: '#/blueprints', label: 'Blueprints' },
];

/** Cluster mode: the user's own Kubernetes token and the namespace to look at. */
function SignIn({ onChange }: { onChange: () => void }) {
  const [token, setToken] = useState(session.token);
  const [namespace, setNamespace] = useState(session.namespace);
  return html`<form
    class="signin"
    aria-label="Identity and namespace"
    onSubmit=${(e: Event) => {
      e.preventDefault();
      session.token = token.trim();
      session.namespace = namespace.trim();
      onChange();
    }}
  >
    <label
      >Kubernetes token
      <input
        type="password"
        autocomplete="off"
        value=${token}
        onInput=${(e: Event) => {
          setToken((e.target as HTMLInputElement).value);
        }}
    /></label>
    <label
      >Namespace
      <input
        placeholder="all you may list"
        value=${namespace}
        onInput=${(e: Event) => {
          setNamespace((e.target as HTMLInputElement).value);
        }}
    /></label>
    <button type="submit">Apply</button>
  </form>`;
}

function App() {
  const route = useRoute();
  const [info, setInfo] = useState<DashboardInfo | null>(null);
  const [infoError, setInfoError] = useState<ApiError | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    getJson<DashboardInfo>('info', false).then(setInfo, (e: unknown) => {
      setInfoError(e instanceof ApiError ? e : new ApiError(0, (e as Error).message));
    });
  }, []);
  const refreshKey = `${session.token.length}|${session.namespace}|${generation}`;
  const current = route.view === 'application' ? 'applications' : route.view;
  return html`
    <a
      class="skip"
      href="#main"
      onClick=${(e: Event) => {
        e.preventDefault();
        document.getElementById('main')?.focus();
      }}
      >Skip to content</a
    >
    <header>
      <p class="brand">Lifeboat</p>
      <nav aria-label="Main">
        <ul>
          ${NAV.map(
            (n) =>
              html`<li>
                <a href=${n.href} aria-current=${current === n.view ? 'page' : undefined}>${n.label}</a>
              </li>`,
          )}
        </ul>
      </nav>
      ${
        info &&
        html`<p class="mode">
          ${info.mode === 'repository' ? html`Repository <code>${info.repository}</code> (read-only)` : 'Cluster'}
        </p>`
      }
      ${
        info?.needsToken &&
        html`<${SignIn}
          onChange=${() => {
            setGeneration((g) => g + 1);
          }}
        />`
      }
    </header>
    <main id="main" tabindex="-1">
      ${infoError && html`<${ErrorNotice} error=${infoError} />`}
      ${!info && !infoError && html`<${Loading} what="the dashboard" />`}
      ${info && html`<${View} route=${route} info=${info} refreshKey=${refreshKey} />`}
    </main>
  `;
}

function View({ route, info, refreshKey }: { route: Route; info: DashboardInfo; refreshKey: string }) {
  switch (route.view) {
    case 'applications':
      return html`<${ApplicationsView} refreshKey=${refreshKey} />`;
    case 'application':
      return html`<${ApplicationView}
        key=${`${route.namespace}/${route.name}`}
        namespace=${route.namespace}
        name=${route.name}
        info=${info}
        refreshKey=${refreshKey}
      />`;
    case 'actions':
      return html`<${ActionsView} refreshKey=${refreshKey} />`;
    case 'repositories':
      return html`<${RepositoriesView} refreshKey=${refreshKey} />`;
    case 'blueprints':
      return html`<${BlueprintsView} refreshKey=${refreshKey} />`;
    case 'not-found':
      return html`<${PageHeading}>Not found<//>
        <p>Nothing at <code>${route.path}</code>. <a href="#/">Back to applications</a>.</p>`;
  }
}

const root = document.getElementById('root');
if (root) render(html`<${App} />`, root);
