// Structured JSON logs in Cloud Logging's shape (severity, message, time); secrets and HMACs never reach a line.

export type Severity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR' | 'CRITICAL';
const ORDER: Record<Severity, number> = { DEBUG: 0, INFO: 1, NOTICE: 2, WARNING: 3, ERROR: 4, CRITICAL: 5 };

/** Keys whose values are never written, whatever their nesting. */
const SECRET_KEY = /secret|hmac|token|password|authorization|api[-_]?key|signature/i;

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  notice(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message, ...(('code' in value) ? { code: (value as { code: unknown }).code } : {}) };
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redactSecrets(v, depth + 1);
  return out;
}

export interface LoggerOptions {
  level?: Severity;
  component?: string;
  write?: (line: string) => void;
}

export function createLogger(opts: LoggerOptions = {}, base: Record<string, unknown> = {}): Logger {
  const min = ORDER[opts.level ?? 'INFO'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const emit = (severity: Severity, message: string, fields?: Record<string, unknown>): void => {
    if (ORDER[severity] < min) return;
    const entry = {
      severity,
      message,
      time: new Date().toISOString(),
      ...(opts.component ? { 'logging.googleapis.com/labels': { component: opts.component } } : {}),
      ...(redactSecrets({ ...base, ...fields }) as Record<string, unknown>),
    };
    write(JSON.stringify(entry, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  };
  return {
    debug: (m, f) => emit('DEBUG', m, f),
    info: (m, f) => emit('INFO', m, f),
    notice: (m, f) => emit('NOTICE', m, f),
    warn: (m, f) => emit('WARNING', m, f),
    error: (m, f) => emit('ERROR', m, f),
    child: (fields) => createLogger(opts, { ...base, ...fields }),
  };
}

export const silentLogger: Logger = createLogger({ write: () => undefined });

export interface ThrottledWarn {
  /** Writes the warning unless one with the same key was written within the interval; the next one written says how many were suppressed. */
  warn(key: string, message: string, fields?: Record<string, unknown>): void;
}

/**
 * Warnings that can repeat per request (a fallback under load) at most once per key per `intervalMs`: a burst of them
 * must not add a log write to every answer of an already slow process. Metrics still count every occurrence.
 */
export function throttledWarn(logger: Logger, intervalMs: number, now: () => number = () => performance.now(), maxKeys = 10_000): ThrottledWarn {
  const seen = new Map<string, { at: number; suppressed: number }>();
  return {
    warn(key, message, fields) {
      const t = now();
      const s = seen.get(key);
      if (s && t - s.at < intervalMs) {
        s.suppressed++;
        return;
      }
      if (!s && seen.size >= maxKeys) seen.clear();
      logger.warn(message, s?.suppressed ? { ...fields, suppressed: s.suppressed } : fields);
      seen.set(key, { at: t, suppressed: 0 });
    },
  };
}
