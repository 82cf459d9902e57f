import type { NoRetryReason } from '../policy/retry.js';

/**
 * Appended to a local error's reason when a retry was possible in principle but not made: the
 * reason header then says why the mesh gave up (a spent retry budget reads very differently from an
 * instance that simply failed). Not-retryable outcomes need no explanation.
 */
export const NOT_RETRIED: { readonly [R in NoRetryReason]: string } = {
  'not-retryable': '',
  'not-idempotent': ' (not retried: the request reached it and its method is not idempotent)',
  'attempts-exhausted': '',
  deadline: ' (not retried: the overall timeout would expire first)',
  'budget-exhausted': ' (not retried: the retry budget is spent)',
};

/** Why a request whose body already flowed to a failed try was not sent again. */
export const NOT_RETRIED_BODY_STREAMED = ' (not retried: its body was already streamed)';

/**
 * An upstream's 5xx passed on although a retry was possible: the reason header says why it was not
 * retried, appended to the upstream's own reason (a fault's, or a sidecar's further down the chain)
 * or on its own. Appended once: two hops that did not retry for the same reason said it twice.
 */
export function noteNotRetried(headers: string[], status: number, why: string): void {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() === 'x-meshdev-reason') {
      if (!headers[i + 1]!.includes(why.trim())) headers[i + 1] += why;
      return;
    }
  }
  headers.push('x-meshdev-reason', `upstream-status: ${status}${why}`);
}
