/**
 * Runs one benchmark section in a process of its own (a fresh heap and JIT, and its own CPU profile with
 * BENCH_PROFILE=1), reading its context from a JSON file and writing its result to another.
 *
 *   node bench/lib/section-process.js <section> <context.json> <result.json>
 */
import { readFileSync, writeFileSync } from 'node:fs';

const [section, contextFile, resultFile] = process.argv.slice(2);
const context = JSON.parse(readFileSync(contextFile, 'utf8'));
const { run } = await import(`../sections/${section}.js`);
const log = (line) => process.stderr.write(`  ${line}\n`);
const result = await run({ ...context, log });
writeFileSync(resultFile, JSON.stringify(result, null, 2));
