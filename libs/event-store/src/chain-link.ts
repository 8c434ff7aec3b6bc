// The store's events are links of the evidence lib's hash chain: one mapping, defined where ChainLink is.
export { chainLinkOf } from '../../evidence/src/hash-chain.js';
