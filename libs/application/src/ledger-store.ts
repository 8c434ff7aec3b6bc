import type { EventStore } from '#event-store';
import { loadOrCreateSigningKey, type SigningKey } from '#evidence';
import { openLedgerEventStore } from './ledger-event-validator.js';
import { HeadSigningEventStore } from './head-signing-event-store.js';
import type { LedgerConfig } from './ledger-config.js';
import { SignedHeadLog } from './signed-head-log.js';

/**
 * The store as the ledger uses it (API and CLI alike): the configured adapter, signing and recording each
 * stream's head after every append. A store handed in (tests, embedders) is wrapped but stays the caller's to close.
 */
export function openLedgerStore(config: Pick<LedgerConfig, 'store' | 'signedHeadsPath' | 'signingKeyDir'>, store?: EventStore): HeadSigningEventStore {
  const inner = store ?? openLedgerEventStore(config.store);
  let heads: SignedHeadLog;
  try {
    heads = new SignedHeadLog(config.signedHeadsPath);
  } catch (error) {
    if (!store) void inner.close();
    throw error;
  }
  let key: Promise<SigningKey> | undefined;
  const signingKey = () => {
    key ??= loadOrCreateSigningKey(config.signingKeyDir).catch((error: unknown) => {
      key = undefined;
      throw error;
    });
    return key;
  };
  return new HeadSigningEventStore(inner, heads, signingKey, { ownsInner: !store });
}
