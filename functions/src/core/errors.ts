// One error root for the product: a closed code set, an HTTP status per code and a retryable flag for queue consumers.

export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, retryable: false },
  UNAUTHORIZED: { status: 401, retryable: false },
  FORBIDDEN: { status: 403, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  METHOD_NOT_ALLOWED: { status: 405, retryable: false },
  REQUEST_TIMEOUT: { status: 408, retryable: true },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false },
  UNPROCESSABLE: { status: 422, retryable: false },
  /** A caller (a shop) over its request rate: 429 with Retry-After. */
  RATE_LIMITED: { status: 429, retryable: true },
  OVERLOADED: { status: 503, retryable: true },
  UNAVAILABLE: { status: 503, retryable: true },
  CONFIG_INVALID: { status: 500, retryable: false },
  INTERNAL: { status: 500, retryable: false },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class ShopMlopsError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, opts: { cause?: unknown; retryable?: boolean; details?: Record<string, unknown> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ShopMlopsError';
    this.code = code;
    this.retryable = opts.retryable ?? ERROR_CODES[code].retryable;
    this.details = opts.details;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  /** Wraps anything thrown at a boundary; unknown failures are treated as retryable outages of a dependency. */
  static fromUnknown(err: unknown, fallback: ErrorCode = 'UNAVAILABLE'): ShopMlopsError {
    if (err instanceof ShopMlopsError) return err;
    // The same class loaded from another copy of this module (a step module run from source by a built entry point):
    // its code and retryable flag still hold.
    if (err instanceof Error && err.name === 'ShopMlopsError') {
      const o = err as Error & { code?: unknown; retryable?: unknown; details?: unknown };
      if (typeof o.code === 'string' && o.code in ERROR_CODES) {
        return new ShopMlopsError(o.code as ErrorCode, err.message, {
          cause: err,
          ...(typeof o.retryable === 'boolean' ? { retryable: o.retryable } : {}),
          ...(o.details && typeof o.details === 'object' ? { details: o.details as Record<string, unknown> } : {}),
        });
      }
    }
    const message = err instanceof Error ? err.message : String(err);
    return new ShopMlopsError(fallback, message, { cause: err });
  }

  toJSON(): { error: { code: ErrorCode; message: string; retryable: boolean; details?: Record<string, unknown> } } {
    return { error: { code: this.code, message: this.message, retryable: this.retryable, ...(this.details ? { details: this.details } : {}) } };
  }
}
