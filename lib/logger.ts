/** Log levels from quietest to loudest; `STRATA_LOG_LEVEL` picks one (default `info`). */
export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = typeof LOG_LEVELS[number];

/** A small leveled logger writing one JSON line per entry to stderr. */
export interface Logger {
  error(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  info(message: string, details?: Record<string, unknown>): void;
  debug(message: string, details?: Record<string, unknown>): void;
}

/**
 * Creates the logger for `level`. Below `debug`, an `error` detail loses the values SQL errors
 * quote (user data has no place in logs); at `debug` it is written whole.
 */
export function createLogger(level: LogLevel): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const write = (at: Exclude<LogLevel, 'silent'>) => (message: string, details?: Record<string, unknown>) => {
    if (LOG_LEVELS.indexOf(at) > threshold) return;
    const shown = level !== 'debug' && typeof details?.error === 'string' ? { ...details, error: withoutSqlValues(details.error) } : details;
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: at, message, ...shown })}\n`);
  };
  return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') };
}

/**
 * A driver's error text without the values it quotes: knex writes `insert into … values ('ada', 36) - message`
 * with the values inlined, and PostgreSQL echoes `Key (email)=(ada@x.org)`; statements and messages stay.
 * @example withoutSqlValues("values ('ada@x.org', 36) - UNIQUE") // "values ('?', ?) - UNIQUE"
 */
export function withoutSqlValues(text: string): string {
  return text
    .replace(/'(?:[^']|'')*'/g, "'?'")
    .replace(/\bvalues\s*\(([^)]*)\)/gi, (_match, list: string) => `values (${list.replace(/-?\b\d+(?:\.\d+)?\b/g, '?')})`)
    .replace(/\(([^()]*)\)=\(([^()]*)\)/g, '($1)=(?)');
}
