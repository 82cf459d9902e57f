import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIdempotentMethod } from '../policy/retry.js';
import type { UpstreamRequest } from './upstream-client.js';

/**
 * Request bodies of idempotent methods are copied while they stream, up to this size, so that a
 * retry can send them again (Envoy buffers for retries the same way); a larger body, or one of a
 * non-idempotent method, is never copied and its request is not retried once the body started.
 */
export const REPLAY_BODY_LIMIT = 64 * 1024;

/**
 * How long a request with `Expect: 100-continue` waits for the upstream's 100 before its body is sent
 * anyway (RFC 9110 10.1.1: a client ought not wait indefinitely; curl waits 1 s). Half the per-try
 * timeout at most, so that an upstream that ignores Expect still gets the body within its try.
 */
const EXPECT_CONTINUE_WAIT_MS = 1000;

/** The request a body belongs to: which try it flows to, and whether that try still awaits its response. */
export interface BodyDestination {
  /** The current try's upstream request (absent between tries). */
  currentTry(): UpstreamRequest | undefined;
  /** The current try has not had its response yet (a body sent after that is sent to no one). */
  isTrying(): boolean;
}

/** The body a request carries, for the shared listeners below (no closures per request). */
const BODY = Symbol('meshdev.request-body');
type RequestWithBody = IncomingMessage & { [BODY]: RequestBody };
function onRequestData(this: IncomingMessage, chunk: Buffer): void {
  (this as RequestWithBody)[BODY].onChunk(chunk);
}
function onRequestEnd(this: IncomingMessage): void {
  (this as RequestWithBody)[BODY].destination.currentTry()?.end();
}
const onContinueWait = (body: RequestBody) => body.onContinueWait();

/**
 * The body of one forwarded request, for requests that have one or ask for `100 Continue`: sent to a
 * try once its connection is up (after the upstream's 100, or a wait for it, when the client asked
 * for one), streamed with backpressure, and copied on the way while within REPLAY_BODY_LIMIT, so
 * that a retry can send it again from the copy.
 */
export class RequestBody {
  /** The body began flowing to an upstream: from here on a retry needs the copy. */
  private started = false;
  /** What the client sent of the body so far, kept for a retry; undefined when it cannot be kept. */
  private copy: Buffer[] | undefined;
  private copyBytes = 0;
  private continued = false;
  private continueTimer: NodeJS.Timeout | undefined;
  /** The try the body is flowing to (so that it is started once per try). */
  private sentTo: UpstreamRequest | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    readonly destination: BodyDestination,
    private readonly hasBody: boolean,
    private readonly expectContinue: boolean,
  ) {
    const h = req.headers;
    if (hasBody && isIdempotentMethod(req.method ?? 'GET')) {
      const length = h['content-length'] === undefined ? 0 : Number(h['content-length']);
      if (length <= REPLAY_BODY_LIMIT) this.copy = [];
    }
  }

  /** A retry can send the body: none of it has flowed yet, or the copy holds all that has. */
  get canResend(): boolean {
    return !this.started || this.copy !== undefined;
  }

  /** The current try's connection is up: send the body, or first wait for the upstream's 100. */
  onConnect(perTryTimeoutMs: number): void {
    if (!this.hasBody) return;
    if (!this.expectContinue) this.sendToCurrentTry();
    else {
      const wait = Math.min(EXPECT_CONTINUE_WAIT_MS, perTryTimeoutMs / 2);
      this.continueTimer = setTimeout(onContinueWait, wait, this);
    }
  }

  /**
   * The upstream answered 100 Continue. One nobody asked for (RFC 9110 allows one) is not the
   * client's business, and must not count as the start of a body: the request would lose its retries.
   */
  onContinue(): void {
    if (this.expectContinue) this.sendAfterContinue();
  }

  /** The upstream did not answer 100 in time: tell the client to go on, and send the body. */
  onContinueWait(): void {
    this.continueTimer = undefined;
    if (this.destination.isTrying()) this.sendAfterContinue();
  }

  /** The try ended: its wait for a 100 ends with it. */
  stopContinueWait(): void {
    if (this.continueTimer !== undefined) {
      clearTimeout(this.continueTimer);
      this.continueTimer = undefined;
    }
  }

  /** Between tries the body waits, paused, for the next one. */
  hold(): void {
    if (this.started) this.req.pause();
  }

  private sendAfterContinue(): void {
    this.stopContinueWait();
    if (!this.continued) {
      this.continued = true;
      this.res.writeContinue();
    }
    this.sendToCurrentTry();
  }

  /** Streams the body to the current try: the copy first when it is a retry, then the rest. */
  private sendToCurrentTry(): void {
    const t = this.destination.currentTry();
    // Once per try: a second 100 Continue, or one after the wait gave up on it, changes nothing.
    if (t === undefined || t.ended || t === this.sentTo) return;
    this.sentTo = t;
    if (!this.started) {
      this.started = true;
      (this.req as RequestWithBody)[BODY] = this;
      this.req.on('data', onRequestData);
      this.req.on('end', onRequestEnd);
      return;
    }
    // A retry: only reached when the copy is complete so far (the exchange checks canResend first).
    for (const chunk of this.copy!) t.write(chunk);
    if (this.req.readableEnded) t.end();
    else this.req.resume();
  }

  onChunk(chunk: Buffer): void {
    const copy = this.copy;
    if (copy !== undefined) {
      this.copyBytes += chunk.length;
      if (this.copyBytes > REPLAY_BODY_LIMIT) this.copy = undefined;
      else copy.push(chunk);
    }
    const t = this.destination.currentTry();
    if (t !== undefined && !t.write(chunk)) this.req.pause();
  }
}
