export * from './roles.js';
export * from './access-events.js';
export * from './access-commands.js';
export * from './access-state.js';
export * from './decide-access.js';
export * from './reader-at.js';
