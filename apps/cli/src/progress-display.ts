/** Where a progress display writes: stderr, or a stand-in for it in a test. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface ProgressDisplayOptions {
  /** The command's name, which starts each line written to a log. */
  command: string;
  stream?: ProgressStream;
  /**
   * Draw even when the stream is not a terminal (`--progress`), as a line per step and per 10%, for a log.
   * Without it a display on a pipe or a file is silent: scripts read stdout and should not get control codes
   * in their stderr either.
   */
  force?: boolean;
  /** On a terminal, draw nothing unless asked (e.g. import skips the bar for small files, which finish at once). */
  quietOnTerminal?: boolean;
}

/**
 * The one progress display of the `ledger` command, for every long task (import, rebuild, bundle, verify,
 * migrate). It writes only to stderr, so it never mixes with what a script reads from stdout. On a terminal it
 * redraws one line and clears it at the end; with `force` elsewhere it writes a line per step and per 10%.
 */
export class ProgressDisplay {
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly enabled: boolean;
  private last = '';

  constructor(private readonly options: ProgressDisplayOptions) {
    this.stream = options.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
    this.enabled = options.force === true || (this.tty && options.quietOnTerminal !== true);
  }

  /** `step` names what is being done ("appending", "checking"); `unit` what done and total count. */
  update(step: string, done: number, total: number, unit = ''): void {
    if (!this.enabled) return;
    const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
    const percent = Math.floor(ratio * 100);
    const shown = this.tty ? percent : Math.floor(percent / 10) * 10;
    const key = `${step}:${shown}`;
    if (key === this.last) return;
    this.last = key;
    const count = total > 0 ? `${done}/${total}${unit ? ` ${unit}` : ''}` : unit;
    if (this.tty) {
      const width = 30;
      const filled = Math.round(ratio * width);
      this.stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(percent).padStart(3)}%  ${step}${count ? ` ${count}` : ''}`);
    } else {
      this.stream.write(`${this.options.command}: ${step} ${String(shown).padStart(3)}%${count ? ` (${count})` : ''}\n`);
    }
  }

  /** Clear the bar (terminal) or say it ended (log). Safe to call more than once, or when nothing was drawn. */
  finish(): void {
    if (this.enabled && this.last) this.stream.write(this.tty ? '\r\x1b[2K' : `${this.options.command}: done\n`);
    this.last = '';
  }
}
