/**
 * Which version of an upstream a request goes to: the first rule whose match fits the request
 * (path prefix and headers) names a version or a weighted split; no rule matches -> the table's
 * default split; no default -> any version (undefined). The shapes are those of the live config
 * (`routes`, `split` in proxy/schema/config.ts), plus `headersPresent` and per-rule `split`.
 *
 * Tables are validated and compiled once (lower-cased header names, cumulative weights) and cached
 * per table object, so `selectVersion` does no allocation per request.
 */
import type { Rng } from './types.js';

/** Relative weights per version: `{ v1: 90, v2: 10 }`; need not sum to 100, must sum above 0. */
export type VersionSplit = Readonly<Record<string, number>>;

export interface RouteMatch {
  /** Request path (query included or not) starts with this. */
  readonly pathPrefix?: string;
  /** Header name (any case) -> exact value; all must match. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Header names (any case) that must be present, whatever their value. */
  readonly headersPresent?: readonly string[];
}

export interface RouteRule {
  /** Shown in the access log. */
  readonly name?: string;
  /** Absent or empty: matches every request. */
  readonly match?: RouteMatch;
  /** The version subset matching requests go to... */
  readonly version?: string;
  /** ...or a weighted split between versions (exactly one of `version`, `split`). */
  readonly split?: VersionSplit;
}

export interface RouteTable {
  /** First match wins. */
  readonly routes?: readonly RouteRule[];
  /** Where unmatched requests go (the "default route"); absent: any version. */
  readonly split?: VersionSplit;
}

/** What routing reads from a request; `headers` as Node gives them (lower-case names). */
export interface RoutableRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

export class RouteValidationError extends Error {
  constructor(
    /** Where in the table, e.g. `routes[2].split`. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'RouteValidationError';
  }
}

interface CompiledSplit {
  readonly versions: readonly string[];
  /** Running totals of the weights, for one binary-free linear scan (tables are tiny). */
  readonly cumulative: readonly number[];
  readonly total: number;
}

interface CompiledRule {
  readonly name: string | undefined;
  readonly pathPrefix: string | undefined;
  readonly exactNames: readonly string[];
  readonly exactValues: readonly string[];
  readonly presentNames: readonly string[];
  readonly target: string | CompiledSplit;
}

export interface CompiledRouteTable {
  readonly compiled: true;
  readonly rules: readonly CompiledRule[];
  readonly fallback: CompiledSplit | undefined;
}

/** Problems with a table, one message per problem (empty when valid). */
export function validateRouteTable(table: RouteTable): string[] {
  try {
    compileRouteTable(table);
    return [];
  } catch (err) {
    if (err instanceof RouteValidationError) return [err.message];
    throw err;
  }
}

/** Validates and compiles; throws `RouteValidationError` naming the offending field. */
export function compileRouteTable(table: RouteTable): CompiledRouteTable {
  const rules = (table.routes ?? []).map((rule, i) => compileRule(rule, `routes[${i}]`));
  const fallback = table.split === undefined ? undefined : compileSplit(table.split, 'split');
  return { compiled: true, rules, fallback };
}

const cache = new WeakMap<RouteTable, CompiledRouteTable>();

/**
 * The version for this request, or undefined for "any version". Accepts a compiled table or a
 * plain one (compiled on first use and cached per object; an invalid plain table throws).
 */
export function selectVersion(
  table: RouteTable | CompiledRouteTable,
  request: RoutableRequest,
  rng: Rng,
): string | undefined {
  const compiled = isCompiled(table) ? table : compiledFor(table);
  const rule = firstMatch(compiled, request);
  if (rule !== undefined) return typeof rule.target === 'string' ? rule.target : pickFromSplit(rule.target, rng);
  return compiled.fallback === undefined ? undefined : pickFromSplit(compiled.fallback, rng);
}

/** The rule that matches, for the access log (undefined: default route). */
export function matchingRuleName(table: RouteTable | CompiledRouteTable, request: RoutableRequest): string | undefined {
  const compiled = isCompiled(table) ? table : compiledFor(table);
  return firstMatch(compiled, request)?.name;
}

function isCompiled(table: RouteTable | CompiledRouteTable): table is CompiledRouteTable {
  return (table as CompiledRouteTable).compiled === true;
}

function compiledFor(table: RouteTable): CompiledRouteTable {
  let compiled = cache.get(table);
  if (compiled === undefined) {
    compiled = compileRouteTable(table);
    cache.set(table, compiled);
  }
  return compiled;
}

function firstMatch(table: CompiledRouteTable, request: RoutableRequest): CompiledRule | undefined {
  const rules = table.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as CompiledRule;
    if (matches(rule, request)) return rule;
  }
  return undefined;
}

function matches(rule: CompiledRule, request: RoutableRequest): boolean {
  if (rule.pathPrefix !== undefined && !request.path.startsWith(rule.pathPrefix)) return false;
  for (let i = 0; i < rule.exactNames.length; i++) {
    const value = request.headers[rule.exactNames[i] as string];
    const wanted = rule.exactValues[i] as string;
    if (value === undefined) return false;
    if (typeof value === 'string' ? value !== wanted : !value.includes(wanted)) return false;
  }
  for (let i = 0; i < rule.presentNames.length; i++) {
    if (request.headers[rule.presentNames[i] as string] === undefined) return false;
  }
  return true;
}

function pickFromSplit(split: CompiledSplit, rng: Rng): string {
  const x = rng() * split.total;
  const cumulative = split.cumulative;
  for (let i = 0; i < cumulative.length; i++) {
    if (x < (cumulative[i] as number)) return split.versions[i] as string;
  }
  return split.versions[split.versions.length - 1] as string; // rng() returned 1 (a broken Rng)
}

function compileRule(rule: RouteRule, field: string): CompiledRule {
  const match = rule.match ?? {};
  if (match.pathPrefix !== undefined && !match.pathPrefix.startsWith('/')) {
    throw new RouteValidationError(`${field}.match.pathPrefix`, `must start with "/", got "${match.pathPrefix}"`);
  }
  const exact = Object.entries(match.headers ?? {});
  for (const [name, value] of exact) {
    checkHeaderName(name, `${field}.match.headers`);
    if (typeof value !== 'string') {
      throw new RouteValidationError(`${field}.match.headers.${name}`, 'expected a string value');
    }
  }
  for (const [i, name] of (match.headersPresent ?? []).entries())
    checkHeaderName(name, `${field}.match.headersPresent[${i}]`);
  const hasVersion = rule.version !== undefined;
  const hasSplit = rule.split !== undefined;
  if (hasVersion === hasSplit) {
    throw new RouteValidationError(field, 'needs exactly one of "version" or "split"');
  }
  if (hasVersion && (typeof rule.version !== 'string' || rule.version === '')) {
    throw new RouteValidationError(`${field}.version`, 'expected a non-empty version label');
  }
  return {
    name: rule.name,
    pathPrefix: match.pathPrefix === undefined || match.pathPrefix === '/' ? undefined : match.pathPrefix,
    exactNames: exact.map(([name]) => name.toLowerCase()),
    exactValues: exact.map(([, value]) => value),
    presentNames: (match.headersPresent ?? []).map((name) => name.toLowerCase()),
    target: hasVersion ? (rule.version as string) : compileSplit(rule.split as VersionSplit, `${field}.split`),
  };
}

function compileSplit(split: VersionSplit, field: string): CompiledSplit {
  const versions: string[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (const [version, weight] of Object.entries(split)) {
    if (version === '') throw new RouteValidationError(field, 'version labels must not be empty');
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new RouteValidationError(`${field}.${version}`, `weight must be a number >= 0, got ${String(weight)}`);
    }
    if (weight === 0) continue; // a version at 0 gets nothing (a canary switched off)
    total += weight;
    versions.push(version);
    cumulative.push(total);
  }
  if (total <= 0) throw new RouteValidationError(field, 'weights must sum to more than 0');
  return { versions, cumulative, total };
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

function checkHeaderName(name: string, field: string): void {
  if (!HEADER_NAME.test(name)) throw new RouteValidationError(field, `"${name}" is not an HTTP header name`);
}
