/** Label selector matching (pure), as the API server applies it. */
import type { V1LabelSelector } from '@kubernetes/client-node';

type Labels = Readonly<Record<string, string>> | undefined;

/** True when every `selector` entry is in `labels`. An empty selector matches nothing here. */
export function mapSelects(selector: Labels, labels: Labels): boolean {
  const entries = Object.entries(selector ?? {});
  if (entries.length === 0) return false;
  return entries.every(([k, v]) => labels?.[k] === v);
}

/** `matchLabels` and `matchExpressions` (In, NotIn, Exists, DoesNotExist). Empty matches nothing. */
export function labelSelectorMatches(selector: V1LabelSelector | undefined, labels: Labels): boolean {
  const matchLabels = selector?.matchLabels ?? {};
  const expressions = selector?.matchExpressions ?? [];
  if (Object.keys(matchLabels).length === 0 && expressions.length === 0) return false;
  if (Object.entries(matchLabels).some(([k, v]) => labels?.[k] !== v)) return false;
  return expressions.every((e) => {
    const value = labels?.[e.key];
    switch (e.operator) {
      case 'In':
        return value !== undefined && (e.values ?? []).includes(value);
      case 'NotIn':
        return value === undefined || !(e.values ?? []).includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        return false;
    }
  });
}
