/**
 * Cluster mode: back up now, run a drill, restore to a new namespace. Each creates the custom
 * resource with the signed-in user's token, so Kubernetes RBAC decides; a refusal shows as
 * the API server's 403.
 */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { ApplicationDetail, CreatedAction } from '../api-types.ts';
import { ApiError, postJson } from './api.ts';
import { ErrorNotice } from './components.ts';

export function ActionsPanel({ app, onDone }: { app: ApplicationDetail; onDone: () => void }) {
  const base = `applications/${encodeURIComponent(app.namespace ?? '_')}/${encodeURIComponent(app.name)}`;
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<CreatedAction | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const succeeded = app.backups.filter((b) => b.phase === 'Succeeded');
  const [backupId, setBackupId] = useState(succeeded.at(-1)?.id ?? '');
  const [target, setTarget] = useState(`${app.namespace ?? 'restore'}-restore`);

  const run = async (what: string, body: unknown) => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await postJson<CreatedAction>(`${base}/${what}`, body));
      onDone();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, (e as Error).message));
    } finally {
      setBusy(false);
    }
  };

  return html`<section aria-labelledby="actions-h" class="actions">
    <h2 id="actions-h">Actions</h2>
    <p class="hint">Run with your own Kubernetes permissions.</p>
    <div class="buttons">
      <button type="button" disabled=${busy} onClick=${() => void run('backups', {})}>Back up now</button>
      <button
        type="button"
        disabled=${busy}
        onClick=${() => void run('drills', backupId ? { backupId } : {})}
      >
        Run a drill
      </button>
    </div>
    <form
      class="restore"
      onSubmit=${(e: Event) => {
        e.preventDefault();
        void run('restores', { backupId, targetNamespace: target });
      }}
    >
      <fieldset disabled=${busy || succeeded.length === 0}>
        <legend>Restore to a new namespace</legend>
        <label
          >Backup
          <select
            value=${backupId}
            onChange=${(e: Event) => {
              setBackupId((e.target as HTMLSelectElement).value);
            }}
          >
            ${[...succeeded].reverse().map((b) => html`<option value=${b.id}>${b.id}</option>`)}
          </select>
        </label>
        <label
          >Target namespace
          <input
            required
            pattern="[a-z0-9]([-a-z0-9]*[a-z0-9])?"
            value=${target}
            onInput=${(e: Event) => {
              setTarget((e.target as HTMLInputElement).value);
            }}
          />
        </label>
        <button type="submit">Restore</button>
      </fieldset>
    </form>
    <div aria-live="polite">
      ${result && html`<p class="notice notice-ok">Created ${result.kind} ${result.namespace}/${result.name}.</p>`}
      ${error && html`<${ErrorNotice} error=${error} />`}
    </div>
  </section>`;
}
