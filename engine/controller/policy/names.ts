/**
 * Deterministic names and labels of the CRs a policy creates (pure). The name of a run
 * depends only on the policy, the application and the scheduled minute, so a re-run, a
 * restarted controller or a second one computes the same name and the API server's
 * AlreadyExists stops the duplicate.
 */
import { createHash } from 'node:crypto';

export const POLICY_LABEL = 'lifeboat.dev/policy';
export const APPLICATION_LABEL = 'lifeboat.dev/application';
export const SCHEDULED_FOR_LABEL = 'lifeboat.dev/scheduled-for';

/** Object names are kept to 63 characters so a Job (and its pods' labels) can carry them. */
const MAX_NAME = 63;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** `yyyymmddhhmm` of an instant, in UTC (the time zone changes when a run fires, not its name). */
export function minuteStamp(t: Date): string {
  return t.toISOString().slice(0, 16).replace(/[-:T]/g, '');
}

/** A DNS-1123 label made of `text`: lower case, `[a-z0-9-]`, no leading/trailing dash. */
function dnsPart(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * `<policy>-<application>-<yyyymmddhhmm>`; when that does not fit in 63 characters, the
 * application name needs cleaning, or `hashed` is asked (the plain name is taken by
 * another policy/application pair: `a-b` + `c` vs `a` + `b-c`), the prefix is shortened
 * and a hash of the exact policy and application names keeps it unique.
 */
export function runName(policy: string, application: string, scheduledFor: Date, hashed = false): string {
  const stamp = minuteStamp(scheduledFor);
  const plain = `${dnsPart(policy)}-${dnsPart(application)}`;
  const exact = plain === `${policy}-${application}`;
  if (!hashed && exact && plain.length + 1 + stamp.length <= MAX_NAME) return `${plain}-${stamp}`;
  const hash = shortHash(`${policy}\u0000${application}`);
  const room = MAX_NAME - stamp.length - hash.length - 2;
  const prefix = plain.slice(0, room).replace(/-+$/, '');
  return `${prefix}-${hash}-${stamp}`;
}

/** A valid label value of `text` (63 characters, `[A-Za-z0-9._-]`, alphanumeric ends). */
export function labelValue(text: string): string {
  if (/^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/.test(text)) return text;
  const hash = shortHash(text);
  const cleaned = text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return `${cleaned.slice(0, 63 - hash.length - 1).replace(/[^A-Za-z0-9]+$/, '')}-${hash}`.replace(/^-/, '');
}

/** The `scheduled-for` label value: ISO time with ':' replaced by '-' (labels allow no ':'). */
export function scheduledForValue(t: Date): string {
  return t
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '-');
}

/** Labels of a run the policy creates. */
export function runLabels(policy: string, application: string, scheduledFor: Date): Record<string, string> {
  return {
    [POLICY_LABEL]: labelValue(policy),
    [APPLICATION_LABEL]: labelValue(application),
    [SCHEDULED_FOR_LABEL]: scheduledForValue(scheduledFor),
  };
}
