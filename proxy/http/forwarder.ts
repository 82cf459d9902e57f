import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Endpoint, SubsetPolicy } from '../upstream.js';
import { decideRetry, isIdempotentMethod } from '../policy/retry.js';
import type { AttemptOutcome, NoRetryReason } from '../policy/retry.js';
import { outlierResultOf } from '../policy/outlier-detector.js';
import { selectVersion } from '../policy/routing.js';
import { forwardableHeaders, writeLocalAnswer } from './headers.js';
import { FORWARDER_SET_HEADERS, continueTrace, requestIdOf } from './trace.js';
import { forwardUpgrade } from './upgrade-forwarder.js';
import { isUpgradeResponse } from './upgrade.js';
import { accessLogSampled, writeAccessLog } from './access-log.js';
import { BodyFraming } from './upstream-client.js';
import type { UpstreamHandler, UpstreamRequest } from './upstream-client.js';
import type { ForwarderOptions } from './forwarder-options.js';

/**
 * The HTTP data path of one listener: every request is forwarded to an endpoint of one upstream,
 * with routing, circuit breaking, retries (different endpoint each try, backoff with jitter, retry
 * budget, never resending a request that may have reached the upstream unless it is idempotent),
 * per-try and overall timeouts, and outlier reporting. Bodies stream both ways with backpressure.
 */

/**
 * Request bodies of idempotent methods are copied while they stream, up to this size, so that a
 * retry can send them again (Envoy buffers for retries the same way); a larger body, or one of a
 * non-idempotent method, is never copied and its request is not retried once the body started.
 */
export const REPLAY_BODY_LIMIT = 64 * 1024;

const enum Phase {
  Waiting, // for a circuit-breaker slot or a retry backoff
  Trying,
  Streaming, // response headers sent, body flowing
  Done,
}

/** Is any candidate not tried yet? (A loop: this runs on every try.) */
function hasUntried(candidates: readonly Endpoint[], tried: ReadonlySet<string>): boolean {
  for (const c of candidates) if (!tried.has(c.id)) return true;
  return false;
}

class TimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
}

/** The exchange a response belongs to, for the shared listeners below (no closures per request). */
const EXCHANGE = Symbol('meshdev.exchange');
type ExchangeResponse = ServerResponse & { [EXCHANGE]: Exchange };
function onResponseClose(this: ServerResponse): void {
  (this as ExchangeResponse)[EXCHANGE].onClientClose();
}
function onResponseFinish(this: ServerResponse): void {
  (this as ExchangeResponse)[EXCHANGE].finish();
}
function onResponseDrain(this: ServerResponse): void {
  (this as ExchangeResponse)[EXCHANGE].resumeUpstream();
}
const onOverallTimeout = (x: Exchange) => x.onOverallTimeout();
const onTryTimeout = (x: Exchange) => x.onTryTimeout();
const onBackoffEnd = (x: Exchange) => x.tryOnceAsRetry();
const onContinueWait = (x: Exchange) => x.onContinueWait();

/** Stops a timer the exchange may hold; returns what the field becomes. */
function stopped(timer: NodeJS.Timeout | undefined): undefined {
  if (timer !== undefined) clearTimeout(timer);
  return undefined;
}

/**
 * How long a request with `Expect: 100-continue` waits for the upstream's 100 before its body is sent
 * anyway (RFC 9110 10.1.1: a client ought not wait indefinitely; curl waits 1 s). Half the per-try
 * timeout at most, so that an upstream that ignores Expect still gets the body within its try.
 */
const EXPECT_CONTINUE_WAIT_MS = 1000;

/**
 * Appended to a local error's reason when a retry was possible in principle but not made: the
 * reason header then says why the mesh gave up (a spent retry budget reads very differently from an
 * instance that simply failed). Not-retryable outcomes need no explanation.
 */
const NOT_RETRIED: { readonly [R in NoRetryReason]: string } = {
  'not-retryable': '',
  'not-idempotent': ' (not retried: the request reached it and its method is not idempotent)',
  'attempts-exhausted': '',
  deadline: ' (not retried: the overall timeout would expire first)',
  'budget-exhausted': ' (not retried: the retry budget is spent)',
};

export class HttpForwarder {
  constructor(readonly opts: ForwarderOptions) {}

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (isUpgradeResponse(res)) forwardUpgrade(this.opts, req, res);
    else new Exchange(this.opts, req, res).start();
  };
}

class Exchange implements UpstreamHandler {
  private readonly startedAt: number;
  private phase = Phase.Waiting;
  private attempts = 0;
  private tried: Set<string> | undefined;
  private version: string | undefined;
  private policy!: SubsetPolicy;
  private requestId = '';
  private traceId = '';
  private headers!: string[];
  /**
   * The request came without `Host` (HTTP/1.0 allows that). It goes upstream as HTTP/1.1, which
   * requires one (RFC 9112 3.2: Node's servers answer 400 without it), so each try adds the
   * endpoint's address, as a client that had connected to it directly would have sent.
   */
  private readonly addHost: boolean;
  private readonly hasBody: boolean;
  private readonly framing: BodyFraming;
  private readonly expectContinue: boolean;
  private bodyStarted = false;
  /** What the client sent of the body so far, kept for a retry (see REPLAY_BODY_LIMIT); else undefined. */
  private bodyCopy: Buffer[] | undefined;
  private bodyCopyBytes = 0;
  private continued = false;
  /** The try whose upstream request the body is flowing to (so that it is started once per try). */
  private bodyTry: UpstreamRequest | undefined;
  private continueTimer: NodeJS.Timeout | undefined;
  private holdsSlot = false;
  private overallTimer: NodeJS.Timeout | undefined;
  private tryTimer: NodeJS.Timeout | undefined;
  private backoffTimer: NodeJS.Timeout | undefined;
  /** The current try's request (absent between tries). */
  private utry: UpstreamRequest | undefined;
  private endpoint: Endpoint | undefined;
  private tryStartedAt = 0;
  private tryActive = false;
  private sent = false;
  private status = 0;
  private reason: string | undefined;
  private upstreamMs = -1;
  /** The current try was granted by the retry budget (give it back when the try ends). */
  private isRetry = false;
  /** Why the last failed try was not retried, when that is not obvious from the failure itself. */
  private notRetried = '';

  constructor(
    private readonly o: ForwarderOptions,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    this.startedAt = o.clock.now();
    const h = req.headers;
    this.hasBody =
      h['content-length'] !== undefined ? h['content-length'] !== '0' : h['transfer-encoding'] !== undefined;
    // Node's parser has validated the framing (no content-length together with transfer-encoding).
    this.framing = !this.hasBody
      ? BodyFraming.None
      : h['content-length'] !== undefined
        ? BodyFraming.Length
        : BodyFraming.Chunked;
    this.expectContinue = h.expect !== undefined && h.expect.toLowerCase() === '100-continue';
    this.addHost = h.host === undefined;
    if (this.hasBody && isIdempotentMethod(req.method ?? 'GET')) {
      const length = h['content-length'] === undefined ? 0 : Number(h['content-length']);
      if (length <= REPLAY_BODY_LIMIT) this.bodyCopy = [];
    }
  }

  start(): void {
    const up = this.o.upstream;
    const trace = continueTrace(this.req.headers.traceparent as string | undefined);
    this.traceId = trace.traceId;
    this.requestId = requestIdOf(this.req.headers['x-request-id'], trace.traceId);
    this.headers = forwardableHeaders(this.req.rawHeaders, FORWARDER_SET_HEADERS, [
      'traceparent',
      trace.traceparent,
      'x-request-id',
      this.requestId,
    ]);
    const routes = up.routes;
    this.version =
      routes.rules.length === 0 && routes.fallback === undefined
        ? undefined
        : selectVersion(routes, { path: this.req.url ?? '/', headers: this.req.headers }, this.o.rng);
    this.policy = up.policyFor(this.version);
    (this.res as ExchangeResponse)[EXCHANGE] = this;
    this.res.on('close', onResponseClose);
    this.res.on('finish', onResponseFinish);
    this.overallTimer = setTimeout(onOverallTimeout, this.policy.retry.timeoutMs, this);
    up.retryBudget.requestStarted(this.startedAt);
    if (up.acquire(this) === 'max-pending') {
      up.stats.circuitRejections.inc();
      const cb = this.policy.resilience.circuitBreaker;
      this.respondLocal(
        503,
        `circuit-open: ${up.breaker.active} requests in flight to ${up.name} (max ${cb.maxConcurrent}) and ${up.breaker.pending} waiting (max ${cb.maxPending})`,
      );
    }
  }

  onSlot(): void {
    this.holdsSlot = true;
    if (this.phase === Phase.Done) {
      this.releaseSlot();
      return;
    }
    this.tryOnce();
  }

  private releaseSlot(): void {
    if (this.holdsSlot) {
      this.holdsSlot = false;
      this.o.upstream.release();
    }
  }

  private tryOnce(): void {
    const up = this.o.upstream;
    const candidates = up.candidates(this.version);
    if (candidates.length === 0) {
      up.stats.noEndpoint.inc();
      this.respondLocal(
        503,
        `no-healthy-endpoint: no healthy instance of ${up.name}${this.version === undefined ? '' : ` (version ${this.version})`}`,
      );
      return;
    }
    const ep = up.balancer.pick(candidates, this.tried) as Endpoint;
    const tried = (this.tried ??= new Set()).add(ep.id);
    // A per-try timeout exists to move a request to another instance. Where no retry can follow (no
    // retries left, or no untried instance: the inbound hop, an ingress with one gateway) it would
    // only cut a slow answer short, and it would fire before the hop behind it could fail over (all
    // hops share the default), so only the overall timeout applies.
    const perTry = this.attempts < this.policy.retry.maxRetries && hasUntried(candidates, tried);
    this.attempts++;
    this.endpoint = ep;
    ep.active++;
    this.tryActive = true;
    this.sent = false;
    this.phase = Phase.Trying;
    this.tryStartedAt = this.o.clock.now();
    const t = this.o.client.request(
      ep,
      this.req.method ?? 'GET',
      this.req.url ?? '/',
      this.addHost ? [...this.headers, 'host', `${ep.host}:${ep.port}`] : this.headers,
      this.framing,
      this,
    );
    this.utry = t;
    if (perTry) this.tryTimer = setTimeout(onTryTimeout, this.policy.retry.perTryTimeoutMs, this);
    if (t.connected) this.onUpstreamConnect();
  }

  /** From here on, bytes of this request may reach the upstream. */
  onUpstreamConnect(): void {
    if (this.phase !== Phase.Trying) return;
    this.sent = true;
    if (!this.hasBody) return;
    if (!this.expectContinue) this.startBody();
    else {
      const wait = Math.min(EXPECT_CONTINUE_WAIT_MS, this.policy.retry.perTryTimeoutMs / 2);
      this.continueTimer = setTimeout(onContinueWait, wait, this);
    }
  }

  onUpstreamContinue(): void {
    // A 100 nobody asked for (RFC 9110 allows one) is not the client's business, and must not count
    // as the start of a body: a bodyless request would lose its retries.
    if (this.phase !== Phase.Trying || !this.expectContinue) return;
    this.sendBodyAfterContinue();
  }

  /** The upstream did not answer 100 in time: tell the client to go on, and send the body. */
  onContinueWait(): void {
    this.continueTimer = undefined;
    if (this.phase === Phase.Trying) this.sendBodyAfterContinue();
  }

  private sendBodyAfterContinue(): void {
    this.continueTimer = stopped(this.continueTimer);
    if (!this.continued) {
      this.continued = true;
      this.res.writeContinue();
    }
    this.startBody();
  }

  /**
   * A response of the current try arrived (from either upstream client): report it to the
   * balancer and outlier detector, then either return the delay of a retry (the caller drops the
   * response) or -1 after switching to streaming it back to the client.
   */
  private judgeResponse(ep: Endpoint, status: number): number {
    const latency = this.o.clock.now() - this.tryStartedAt;
    if (status < 500) {
      // The common case, without building an outcome object per response.
      this.o.upstream.report(ep, 'success', latency);
    } else {
      const outcome: AttemptOutcome = { kind: 'response', status, reachedUpstream: true };
      this.o.upstream.report(ep, outlierResultOf(outcome), latency);
      const delay = this.retryDelay(outcome);
      if (delay >= 0) return delay;
    }
    this.tryTimer = stopped(this.tryTimer);
    this.phase = Phase.Streaming;
    this.status = status;
    this.upstreamMs = latency;
    return -1;
  }

  onUpstreamHeaders(status: number, raw: string[], statusMessage: string): void {
    const ep = this.endpoint!;
    const delay = this.judgeResponse(ep, status);
    if (delay >= 0) {
      this.endTry();
      this.retry(`status ${status} from ${ep.id}`, delay);
      return;
    }
    const headers = forwardableHeaders(raw);
    if (this.o.exposeEndpoint) headers.push('x-meshdev-endpoint', ep.id);
    if (this.notRetried !== '') noteNotRetried(headers, status, this.notRetried);
    try {
      this.res.writeHead(status, statusMessage, headers);
    } catch (err) {
      // An upstream header Node's server refuses to send (llhttp accepts a little more).
      this.endTry();
      this.phase = Phase.Trying;
      this.respondLocal(502, `bad-upstream-response: ${(err as Error).message}`);
    }
  }

  onUpstreamData(chunk: Buffer): boolean {
    if (this.res.write(chunk)) return true;
    this.res.once('drain', onResponseDrain);
    return false;
  }

  resumeUpstream(): void {
    this.utry?.resume();
  }

  onUpstreamComplete(): void {
    this.utry = undefined;
    this.endTry();
    this.res.end();
  }

  onUpstreamError(err: Error & { code?: string }): void {
    this.utry = undefined;
    if (this.phase === Phase.Streaming) this.onUpstreamAborted();
    else this.onTryError(err);
  }

  /** Streams the body to this try's request: the copy first when it is a retry, then the rest. */
  private startBody(): void {
    const t = this.utry;
    // Once per try: a second 100 Continue, or one after the wait gave up on it, changes nothing.
    if (t === undefined || t.ended || t === this.bodyTry) return;
    this.bodyTry = t;
    if (!this.bodyStarted) {
      this.bodyStarted = true;
      // Only requests with a body get here: their closures are the exception, not the rule.
      this.req.on('data', (chunk: Buffer) => this.onBodyChunk(chunk));
      this.req.on('end', () => this.utry?.end());
      return;
    }
    // A retry: only reached when the copy is complete so far (retryDelay checks it).
    for (const chunk of this.bodyCopy!) t.write(chunk);
    if (this.req.readableEnded) t.end();
    else this.req.resume();
  }

  private onBodyChunk(chunk: Buffer): void {
    const copy = this.bodyCopy;
    if (copy !== undefined) {
      this.bodyCopyBytes += chunk.length;
      if (this.bodyCopyBytes > REPLAY_BODY_LIMIT) this.bodyCopy = undefined;
      else copy.push(chunk);
    }
    const t = this.utry;
    if (t !== undefined && !t.write(chunk)) this.req.pause();
  }

  onUpstreamDrain(): void {
    if (this.phase === Phase.Trying || this.phase === Phase.Streaming) this.req.resume();
  }

  /** Gives up the current try's upstream request (its connection is closed; no more callbacks). */
  private dropTry(): void {
    this.utry?.abort();
    this.utry = undefined;
  }

  private endTry(): void {
    this.tryTimer = stopped(this.tryTimer);
    this.continueTimer = stopped(this.continueTimer);
    if (this.tryActive) {
      this.tryActive = false;
      this.endpoint!.active--;
      if (this.isRetry) {
        this.isRetry = false;
        this.o.upstream.retryBudget.retryFinished();
      }
    }
  }

  /** The upstream reset mid-response: the client connection is aborted (it cannot be told otherwise). */
  private onUpstreamAborted(): void {
    if (this.phase !== Phase.Streaming) return;
    this.dropTry();
    this.endTry();
    this.o.upstream.stats.resets.inc();
    this.reason = 'upstream-reset: connection reset during the response body';
    this.finish();
    this.res.destroy();
  }

  private onTryError(err: Error & { code?: string }): void {
    if (this.phase === Phase.Streaming) {
      this.onUpstreamAborted();
      return;
    }
    if (this.phase !== Phase.Trying) return;
    const ep = this.endpoint!;
    const latency = this.o.clock.now() - this.tryStartedAt;
    this.endTry();
    const timeout = err instanceof TimeoutError;
    const outcome: AttemptOutcome = timeout
      ? { kind: 'per-try-timeout', reachedUpstream: this.sent }
      : this.sent
        ? { kind: 'reset', reachedUpstream: true }
        : { kind: 'connect-failure', reachedUpstream: false };
    this.o.upstream.report(ep, outlierResultOf(outcome), latency);
    const what = timeout ? `per-try timeout (${this.policy.retry.perTryTimeoutMs} ms)` : (err.code ?? err.message);
    const delay = this.retryDelay(outcome);
    if (delay >= 0) {
      this.retry(`${what} from ${ep.id}`, delay);
      return;
    }
    const why = this.notRetried;
    if (timeout)
      this.respondLocal(
        504,
        `upstream-timeout: ${ep.id} did not answer within ${this.policy.retry.perTryTimeoutMs} ms${why}`,
      );
    else if (!this.sent)
      this.respondLocal(503, `upstream-connect-error: ${ep.id} (${ep.host}:${ep.port}): ${what}${why}`);
    else this.respondLocal(502, `upstream-reset: ${ep.id}: ${what}${why}`);
  }

  onTryTimeout(): void {
    this.tryTimer = undefined;
    this.dropTry();
    this.onTryError(new TimeoutError('per-try timeout'));
  }

  onOverallTimeout(): void {
    this.overallTimer = undefined;
    if (this.phase === Phase.Streaming || this.phase === Phase.Done) return;
    const ep = this.endpoint;
    if (this.phase === Phase.Trying && ep !== undefined) {
      this.o.upstream.report(ep, 'gateway-error', this.o.clock.now() - this.tryStartedAt);
    }
    this.endTry();
    this.respondLocal(
      504,
      `upstream-timeout: no response within ${this.policy.retry.timeoutMs} ms (${this.attempts} tries)`,
    );
  }

  /**
   * Backoff before the next try, or -1 for no retry. A request whose body already started flowing
   * can be sent again only from its copy (idempotent method, body within REPLAY_BODY_LIMIT).
   */
  private retryDelay(outcome: AttemptOutcome): number {
    if (this.bodyStarted && this.bodyCopy === undefined) {
      this.notRetried = ' (not retried: its body was already streamed)';
      return -1;
    }
    const up = this.o.upstream;
    const decision = decideRetry(
      this.policy.retry,
      outcome,
      {
        method: this.req.method ?? 'GET',
        attempts: this.attempts,
        remainingMs: this.policy.retry.timeoutMs - (this.o.clock.now() - this.startedAt),
      },
      { rng: this.o.rng, budget: up.retryBudget },
    );
    if (decision.retry) return decision.delayMs;
    if (decision.reason === 'budget-exhausted') up.stats.retryBudgetExhausted.inc();
    this.notRetried = NOT_RETRIED[decision.reason];
    return -1;
  }

  /** The budget granted this retry: it counts as in flight until the retry's try ends. */
  private retry(why: string, delay: number): void {
    this.o.upstream.stats.retries.inc();
    this.isRetry = true;
    this.reason = why;
    this.phase = Phase.Waiting;
    // The body waits (paused) for the next try.
    if (this.bodyStarted) this.req.pause();
    this.dropTry();
    if (delay <= 0) this.tryOnceAsRetry();
    else this.backoffTimer = setTimeout(onBackoffEnd, delay, this);
  }

  tryOnceAsRetry(): void {
    this.backoffTimer = undefined;
    if (this.phase !== Phase.Waiting) return;
    this.tryOnce();
  }

  private respondLocal(status: number, reason: string): void {
    this.reason = reason;
    if (this.phase === Phase.Done) return;
    this.dropTry();
    this.status = status;
    const res = this.res;
    if (res.headersSent || res.destroyed) {
      this.finish();
      res.destroy();
      return;
    }
    this.phase = Phase.Streaming;
    writeLocalAnswer(res, status, reason);
  }

  onClientClose(): void {
    if (this.phase === Phase.Done) return;
    if (!this.res.writableFinished) {
      // The client went away: abort the upstream request too.
      this.reason = 'client-disconnected';
      if (this.phase !== Phase.Streaming) this.status = 0;
      this.dropTry();
      this.endTry();
      this.o.upstream.cancelPending(this);
    }
    this.finish();
  }

  finish(): void {
    if (this.phase === Phase.Done) return;
    this.phase = Phase.Done;
    this.overallTimer = stopped(this.overallTimer);
    this.backoffTimer = stopped(this.backoffTimer);
    // The continue timer belongs to a try: endTry, which every try's end runs, has cleared it.
    if (this.isRetry && !this.tryActive) {
      this.isRetry = false;
      this.o.upstream.retryBudget.retryFinished();
    }
    this.o.upstream.retryBudget.requestFinished();
    this.releaseSlot();
    const durationMs = this.o.clock.now() - this.startedAt;
    this.o.stats.record(this.status, durationMs / 1000);
    if (accessLogSampled(this.o)) {
      writeAccessLog(this.o, this.req, {
        requestId: this.requestId,
        traceId: this.traceId,
        version: this.version,
        endpoint: this.endpoint,
        attempts: this.attempts,
        status: this.status,
        reason: this.reason,
        durationMs,
        upstreamMs: this.upstreamMs,
      });
    }
  }
}

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
