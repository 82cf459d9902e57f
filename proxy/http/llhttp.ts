import { createRequire } from 'node:module';

/**
 * Node's own HTTP/1 parser (llhttp, native code): the parser its `http` client and server run, with
 * their limits and their defences against request smuggling. Node exposes it to userland through
 * `_http_common` without types; this module types the part the upstream client uses.
 *
 * Why not undici's parser: undici runs llhttp compiled to WebAssembly, and loading it costs a Node
 * process tens of MB of RSS (bench/proxy/RESULTS.md); the native one is already in the binary.
 */

export interface NativeHttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  /** Parses `data`; returns the bytes consumed, or the parse error (with `code`, e.g. HPE_INVALID_CONSTANT). */
  execute(data: Buffer): number | (Error & { code?: string });
  /** End of input: completes a body delimited by the connection's close, or returns an error when a message was cut short. */
  finish(): number | (Error & { code?: string }) | undefined;
  close(): void;
  [callback: number]: unknown;
}

interface NativeHttpParserClass {
  new (): NativeHttpParser;
  readonly REQUEST: number;
  readonly RESPONSE: number;
  readonly kOnMessageBegin: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kLenientNone: number;
}

const requireBuiltin = createRequire(import.meta.url);
export const HTTPParser = (requireBuiltin('_http_common') as { HTTPParser: NativeHttpParserClass }).HTTPParser;

/**
 * kOnHeadersComplete(versionMajor, versionMinor, headers, method, url, statusCode, statusMessage,
 * upgrade, shouldKeepAlive): its return value tells the parser whether a body follows.
 */
export type HeadersCompleteCallback = (
  versionMajor: number,
  versionMinor: number,
  headers: string[] | undefined,
  method: number | undefined,
  url: string | undefined,
  statusCode: number,
  statusMessage: string,
  upgrade: boolean,
  shouldKeepAlive: boolean,
) => number;

/** Returned from kOnHeadersComplete: the message has no body whatever its headers say (a response to HEAD). */
export const SKIP_BODY = 1;
