// Why one attempt of an outbound request failed: the status the caller gets if it is the last, and whether another
// attempt may help (a missing Service will not appear on retry; an endpoint that refused may be followed by another).
export class AttemptError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryable: boolean,
    /** The body the caller gets when this is the last attempt (e.g. Envoy's `no healthy upstream`); else the message. */
    readonly body?: string,
  ) {
    super(message);
  }
}
