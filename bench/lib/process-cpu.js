/**
 * CPU time (user + system) a process has used so far, all its threads, from /proc (Linux only): what a request,
 * a page or a start costs in the server's own process, whatever else the machine runs. With `thread`, only that
 * thread's (the main thread's id is the process's). In ms; null where /proc is not there or the process ended.
 */
import { readFileSync } from 'node:fs';

const MS_PER_TICK = 10; // USER_HZ is 100 on every Linux kernel built for x86-64 and arm64

export function cpuMsOf(pid, thread) {
  try {
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    // Fields after the command name, which is in brackets and may hold spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return null;
  }
}
