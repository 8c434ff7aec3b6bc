export * from './roles.js';
export * from './access-events.js';
export * from './access-state.js';
