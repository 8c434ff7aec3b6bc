import { describe, expect, it } from '@jest/globals';
import { ProgressDisplay } from './progress-display.js';

/** A stream that records what was written, as stderr would receive it. */
function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, isTTY, write: (chunk: string) => chunks.push(chunk) };
}

describe('the progress display', () => {
  it('redraws one line on a terminal and clears it at the end', () => {
    const tty = stream(true);
    const display = new ProgressDisplay({ command: 'migrate', stream: tty });
    display.update('copying', 0, 4, 'events');
    display.update('copying', 2, 4, 'events');
    display.update('copying', 2, 4, 'events');
    display.update('copying', 4, 4, 'events');
    display.finish();
    expect(tty.chunks).toEqual([
      `\r\x1b[2K[${'-'.repeat(30)}]   0%  copying 0/4 events`,
      `\r\x1b[2K[${'#'.repeat(15)}${'-'.repeat(15)}]  50%  copying 2/4 events`,
      `\r\x1b[2K[${'#'.repeat(30)}] 100%  copying 4/4 events`,
      '\r\x1b[2K',
    ]);
  });

  it('is silent on a pipe or a file unless forced, and then writes a line per step and per 10%', () => {
    const pipe = stream(false);
    const silent = new ProgressDisplay({ command: 'bundle', stream: pipe });
    silent.update('reading the plan', 1, 3);
    silent.finish();
    expect(pipe.chunks).toEqual([]);

    const forced = new ProgressDisplay({ command: 'rebuild-projections', stream: pipe, force: true });
    for (let done = 0; done <= 100; done += 1) forced.update('projecting', done, 100, 'events');
    forced.finish();
    expect(pipe.chunks).toHaveLength(12);
    expect(pipe.chunks[0]).toBe('rebuild-projections: projecting   0% (0/100 events)\n');
    expect(pipe.chunks[10]).toBe('rebuild-projections: projecting 100% (100/100 events)\n');
    expect(pipe.chunks[11]).toBe('rebuild-projections: done\n');
  });

  it('can stay quiet on a terminal when the task is too small to be worth a bar', () => {
    const tty = stream(true);
    const display = new ProgressDisplay({ command: 'import', stream: tty, quietOnTerminal: true });
    display.update('appending', 1, 2, 'events');
    display.finish();
    expect(tty.chunks).toEqual([]);
  });
});
