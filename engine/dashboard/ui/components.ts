/** Small shared pieces: status badges, error and loading notices, page headings that take focus. */
import { html } from 'htm/preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { ProtectionStatus } from '../api-types.ts';
import type { ApiError } from './api.ts';

const STATUS_TEXT: Record<ProtectionStatus, string> = {
  protected: 'Protected',
  unprotected: 'Unprotected',
  failing: 'Failing',
};

/** Text plus a shape, never colour alone. */
export function StatusBadge({ status }: { status: ProtectionStatus }) {
  const icon = status === 'protected' ? '✓' : status === 'failing' ? '✕' : '!';
  return html`<span class=${`badge badge-${status}`}
    ><span aria-hidden="true">${icon} </span>${STATUS_TEXT[status]}</span
  >`;
}

export function PhaseBadge({ phase }: { phase: string }) {
  return html`<span class=${`badge phase-${phase.toLowerCase()}`}>${phase}</span>`;
}

export function ErrorNotice({ error }: { error: ApiError }) {
  const title =
    error.status === 403
      ? 'Forbidden (403): your Kubernetes permissions do not allow this'
      : error.status === 401
        ? 'Not signed in (401)'
        : `Request failed${error.status ? ` (${error.status})` : ''}`;
  return html`<div class="notice notice-error" role="alert">
    <strong>${title}</strong>
    <p>${error.message}</p>
  </div>`;
}

export function Loading({ what }: { what: string }) {
  return html`<p class="loading" role="status">Loading ${what}…</p>`;
}

/**
 * The view's h1; it takes focus when the view opens, so keyboard and screen-reader users
 * land on it. A layout effect: focus moves in the same task that puts the heading in the
 * page, never a frame later (when a user may already have pressed a key).
 */
export function PageHeading({ children }: { children: unknown }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useLayoutEffect(() => {
    ref.current?.focus();
  }, []);
  return html`<h1 tabindex="-1" ref=${ref}>${children}</h1>`;
}
