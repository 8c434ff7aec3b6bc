/**
 * CPU time per thread of this process (Linux: /proc/self/task/<tid>/stat), for telling a rebuild's main
 * thread from its worker threads and from V8's and SQLite's helper threads. Sampled on a timer while the work
 * runs, because a worker thread's entry goes when it ends; its last reading is kept. Elsewhere: undefined.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux kernel built for x86-64 and arm64

function readThreads() {
  const threads = new Map();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name, which is in brackets and may hold spaces: utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threads.set(tid, (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/** Start measuring; the function returned stops and gives { main, started: [seconds per thread begun meanwhile, largest first], others }. */
export function measureThreadCpu(intervalMs = 100) {
  if (!existsSync('/proc/self/task')) return () => undefined;
  const before = readThreads();
  const last = new Map(before);
  const sample = () => {
    for (const [tid, seconds] of readThreads()) last.set(tid, seconds);
  };
  const timer = setInterval(sample, intervalMs);
  return () => {
    clearInterval(timer);
    sample();
    const main = String(process.pid);
    let others = 0;
    const started = [];
    for (const [tid, seconds] of last) {
      if (tid === main) continue;
      const spent = seconds - (before.get(tid) ?? 0);
      // Worker threads are begun by the work; V8's and libuv's helpers were there before it.
      if (before.has(tid)) others += spent;
      else if (spent > 0.05) started.push(spent);
      else others += spent;
    }
    return { main: last.get(main) - before.get(main), started: started.sort((a, b) => b - a), others };
  };
}
