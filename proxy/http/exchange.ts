import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Endpoint, SubsetPolicy } from '../upstream.js';
import { decideRetry } from '../policy/retry.js';
import type { AttemptOutcome } from '../policy/retry.js';
import { outlierResultOf } from '../policy/outlier-detector.js';
import { selectVersion } from '../policy/routing.js';
import { forwardableHeaders, writeLocalAnswer } from './headers.js';
import { FORWARDER_SET_HEADERS, continueTrace, requestIdOf } from './trace.js';
import { accessLogSampled, writeAccessLog } from './access-log.js';
import { NOT_RETRIED, NOT_RETRIED_BODY_STREAMED, noteNotRetried } from './reason.js';
import { RequestBody } from './request-body.js';
import type { BodyDestination } from './request-body.js';
import { BodyFraming } from './upstream-client.js';
import type { UpstreamHandler, UpstreamRequest } from './upstream-client.js';
import type { ForwarderOptions } from './forwarder-options.js';

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

/** Stops a timer the exchange may hold; returns what the field becomes. */
function stopped(timer: NodeJS.Timeout | undefined): undefined {
  if (timer !== undefined) clearTimeout(timer);
  return undefined;
}

/**
 * One forwarded request, from its arrival to the end of its response: routing, a circuit-breaker
 * slot, tries (each to an endpoint not tried yet, with its per-try timeout), retries with backoff and
 * budget, the overall timeout, outlier reports, the response streamed back with backpressure, and the
 * request's metrics and access log line when it ends.
 */
export class Exchange implements UpstreamHandler, BodyDestination {
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
  private readonly framing: BodyFraming;
  /** Absent for the common request: no body, no `Expect: 100-continue`. */
  private readonly body: RequestBody | undefined;
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
    const hasBody =
      h['content-length'] !== undefined ? h['content-length'] !== '0' : h['transfer-encoding'] !== undefined;
    // Node's parser has validated the framing (no content-length together with transfer-encoding).
    this.framing = !hasBody
      ? BodyFraming.None
      : h['content-length'] !== undefined
        ? BodyFraming.Length
        : BodyFraming.Chunked;
    const expectContinue = h.expect !== undefined && h.expect.toLowerCase() === '100-continue';
    this.addHost = h.host === undefined;
    if (hasBody || expectContinue) this.body = new RequestBody(req, res, this, hasBody, expectContinue);
  }

  currentTry(): UpstreamRequest | undefined {
    return this.utry;
  }

  isTrying(): boolean {
    return this.phase === Phase.Trying;
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
    this.body?.onConnect(this.policy.retry.perTryTimeoutMs);
  }

  onUpstreamContinue(): void {
    if (this.phase === Phase.Trying) this.body?.onContinue();
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
    this.body?.stopContinueWait();
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
   * can be sent again only from its copy (see RequestBody).
   */
  private retryDelay(outcome: AttemptOutcome): number {
    if (this.body !== undefined && !this.body.canResend) {
      this.notRetried = NOT_RETRIED_BODY_STREAMED;
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
    this.body?.hold();
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
