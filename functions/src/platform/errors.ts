// Typed errors carry their HTTP meaning; http.ts maps them to the one JSON error shape. Anything
// that is not an HttpError is a bug and leaves as an opaque 500 without its message.
export interface ErrorDetail {
  path: string;
  message: string;
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends HttpError {
  constructor(message: string, details?: ErrorDetail[], code = "bad_request") {
    super(400, code, message, details);
  }
}

/** A list cursor that is not one of ours, or belongs to another sort or filter set. */
export class InvalidCursorError extends BadRequestError {
  constructor(reason: "malformed" | "bad key" | "other query") {
    super(
      reason === "other query" ? "cursor belongs to a different sort or filter" : "cursor is malformed",
      [
        {
          path: "cursor",
          message:
            reason === "other query"
              ? "does not match this query"
              : reason === "bad key"
                ? "bad key"
                : "not a cursor",
        },
      ],
      "invalid_cursor",
    );
  }
}

export class ValidationError extends HttpError {
  constructor(statusCode: 400 | 422, details: ErrorDetail[]) {
    super(statusCode, "validation_failed", "The request is not valid", details);
  }
}

export class NotFoundError extends HttpError {
  constructor(message = "Not found") {
    super(404, "not_found", message);
  }
}

export class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, "conflict", message);
  }
}

export class PreconditionFailedError extends HttpError {
  constructor(message: string, currentVersion?: number) {
    super(
      412,
      "precondition_failed",
      message,
      undefined,
      currentVersion === undefined ? {} : { ETag: `"${currentVersion}"` },
    );
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(limit: number) {
    super(413, "payload_too_large", `The body exceeds ${limit} bytes`);
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  constructor(message = "Send the body as application/json") {
    super(415, "unsupported_media_type", message);
  }
}

export class ServiceUnavailableError extends HttpError {
  constructor(message = "The database is unavailable; retry shortly") {
    super(503, "service_unavailable", message, undefined, { "Retry-After": "1" });
  }
}

/** Quoted-string safe: an error_description must not break out of its quotes (RFC 6750 §3). */
const quotable = (text: string) => text.replace(/["\\]/g, "'");

/**
 * 401: no usable bearer token. With no credentials at all the challenge carries no error code
 * (RFC 6750 §3.1); a token that fails verification is `invalid_token`.
 */
export class UnauthorizedError extends HttpError {
  constructor(message: string, realm: string, invalidToken: boolean) {
    super(401, invalidToken ? "invalid_token" : "unauthorized", message, undefined, {
      "WWW-Authenticate": invalidToken
        ? `Bearer realm="${realm}", error="invalid_token", error_description="${quotable(message)}"`
        : `Bearer realm="${realm}"`,
    });
  }
}

/** 403: a valid token whose role may not do this. */
export class ForbiddenError extends HttpError {
  constructor(message: string, realm: string) {
    super(403, "forbidden", message, undefined, {
      "WWW-Authenticate": `Bearer realm="${realm}", error="insufficient_scope", error_description="${quotable(message)}"`,
    });
  }
}

/** 429: over a rate limit; Retry-After says when the window frees up (rate-limit.ts adds RateLimit headers). */
export class TooManyRequestsError extends HttpError {
  constructor(message: string, retryAfterSeconds: number) {
    super(429, "rate_limited", message, undefined, { "Retry-After": String(Math.max(1, retryAfterSeconds)) });
  }
}

/** 403 for a resource of someone else's (a job, a view): the role allows the route, not this one. */
export class NotOwnerError extends HttpError {
  constructor(message: string) {
    super(403, "forbidden", message);
  }
}

/** 422 with problems by line and column (an import): nothing was changed. */
export class ImportRejectedError extends HttpError {
  constructor(
    message: string,
    details: { path: string; message: string; line: number; column: string | null }[],
  ) {
    super(422, "invalid_import", message, details);
  }
}
