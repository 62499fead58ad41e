/**
 * The errors every face and client understand. The service layer throws them; the API maps them
 * to problem+json; the HTTP client turns a problem+json answer back into the same class, so the
 * console handles an error the same way whether the call ran in-process or over the socket.
 */

export interface FieldError {
  /** Dotted path of the offending field ('' for the whole input). */
  path: string;
  message: string;
}

export class ServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends ServiceError {
  constructor(
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}
export class Unauthenticated extends ServiceError {}
export class Forbidden extends ServiceError {}
export class NotFound extends ServiceError {}
export class Conflict extends ServiceError {}
export class TooManyRequests extends ServiceError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
/** The appliance (a tool it drives, or the daemon itself) failed: 5xx. */
export class ApplianceError extends ServiceError {
  constructor(
    message: string,
    readonly status = 502,
  ) {
    super(message);
  }
}

/** What a user may be shown about an error a client got: the service's sentence, or "internal error". */
export function errorMessage(err: unknown): string {
  return err instanceof ServiceError ? err.message : 'internal error';
}

/**
 * The error class of an HTTP status, as every client maps the API's problem+json answers (and the
 * in-process client the service's own errors): 4xx the caller's, 5xx (and anything else) the appliance's.
 */
export function errorForStatus(status: number, message: string, extra: { errors?: FieldError[]; retryAfterSeconds?: number } = {}): ServiceError {
  switch (status) {
    case 400:
      return new ValidationError(message, extra.errors);
    case 401:
      return new Unauthenticated(message);
    case 403:
      return new Forbidden(message);
    case 404:
      return new NotFound(message);
    case 409:
      return new Conflict(message);
    case 429:
      return new TooManyRequests(message, extra.retryAfterSeconds ?? 1);
    default:
      // 413, 415...: what was sent cannot be taken; 5xx (and anything unexpected): the appliance failed.
      if (status >= 400 && status < 500) return new ValidationError(message, extra.errors);
      return new ApplianceError(message, status >= 500 && status < 600 ? status : 502);
  }
}
