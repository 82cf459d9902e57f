/** Appends to a bounded series without mutating it: the oldest samples fall off the front. */
export function pushBounded<T>(series: readonly T[] | undefined, value: T, capacity: number): readonly T[] {
  const base = series ?? [];
  const next = base.length >= capacity ? base.slice(base.length - capacity + 1) : base.slice();
  next.push(value);
  return next;
}

/** Appends several values at once, keeping the newest `capacity`. */
export function appendBounded<T>(series: readonly T[], values: readonly T[], capacity: number): readonly T[] {
  if (values.length === 0) return series;
  const all = [...series, ...values];
  return all.length > capacity ? all.slice(all.length - capacity) : all;
}
