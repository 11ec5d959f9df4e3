/**
 * Structured logs of the controller: one JSON object per line (what log collectors in a
 * cluster parse). Callers pass names and redacted messages only, never secret values.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** JSON lines to `stream` (stderr by default), dropping levels below `level`. */
export function jsonLogger(
  options: { level?: LogLevel; stream?: { write(text: string): unknown }; base?: LogFields } = {},
): Logger {
  const min = ORDER[options.level ?? 'info'];
  const stream = options.stream ?? process.stderr;
  const write = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (ORDER[level] < min) return;
    const extra = Object.fromEntries(
      Object.entries(fields ?? {}).map(([k, v]) => [k, v instanceof Error ? v.message : v]),
    );
    stream.write(
      `${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...options.base, ...extra })}\n`,
    );
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** Drops everything (tests that do not look at logs). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
