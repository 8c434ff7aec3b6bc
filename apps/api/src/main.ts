import { PlanCommandService } from '#application';
import { importDemoPlan } from '#importer';
import { ListPlansQuery } from './cqrs/plan-queries.js';
import { QueryBus } from '@nestjs/cqrs';
import { ConfigError, loadConfig } from '#application';
import { createLedgerApp } from './create-app.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createLedgerApp(config);
  await app.init();
  if (config.demo) {
    const plans = await app.get(QueryBus).execute(new ListPlansQuery());
    if (plans.length === 0) {
      const demo = await importDemoPlan(app.get(PlanCommandService), { id: 'demo', displayName: 'Demo import' });
      console.log(`Imported the demo plan "${demo.title}" (${demo.counts.actions} actions) from ${demo.fileName}`);
    }
  }
  await app.listen(config.port, config.host);
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  const plans = await app.get(QueryBus).execute(new ListPlansQuery());
  console.log(`\nThe safeguarding evidence ledger is running at ${url}`);
  console.log(`  Store:     ${config.store.kind === 'sqlite' ? `SQLite file ${config.store.path}` : 'EventStoreDB'}`);
  console.log(`  Plans:     ${url}/plans`);
  if (plans[0]) console.log(`  Demo plan: ${url}/plans/${plans[0].id}`);
  console.log(`  API docs:  ${url}/api/docs\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
