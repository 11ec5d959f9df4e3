/** An error the dashboard answers with a given HTTP status (e.g. the API server's 403, passed on). */
import { LifeboatError, type ErrorContext } from '../errors.ts';

export class DashboardHttpError extends LifeboatError {
  readonly status: number;
  constructor(status: number, message: string, context: ErrorContext = {}) {
    super(message, context);
    this.status = status;
  }
}

/** The HTTP status to answer for any error: its own, a Kubernetes status, else 500. */
export function statusOf(error: unknown): number {
  if (error instanceof DashboardHttpError) return error.status;
  const status = (error as { status?: unknown } | null)?.status;
  // KubeError carries the API server's status; 0 means it could not be reached.
  if (typeof status === 'number') return status >= 400 && status < 600 ? status : 502;
  return 500;
}
