// The store's events are links of the integrity lib's hash chain: one mapping, defined where ChainLink is.
export { chainLinkOf } from '#integrity';
