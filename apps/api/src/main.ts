// The API's entry as tsc builds it (node dist/apps/api/src/main.js). `npm start` runs the same through the
// bundle that apps/api/build.mjs makes of serve-ledger-api.ts (dist/api/main.js), which starts faster.
import { serveLedgerApi } from './serve-ledger-api.js';

await serveLedgerApi();
