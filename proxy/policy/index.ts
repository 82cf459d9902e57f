/** The sidecar's pure decision modules, in one import for the data path. */
export * from './types.js';
export * from './balancer/index.js';
export * from './retry.js';
export * from './retry-budget.js';
export * from './outlier-detector.js';
export * from './slow-start.js';
export * from './circuit-breaker.js';
export * from './routing.js';
