/**
 * Shares SQLite's one connection between reads and write transactions: any number of reads at
 * once (the driver queues them to its thread pool together, with no trip through the event loop
 * between them), or one transaction alone. A transaction waits for the reads under way to finish
 * and holds back new ones until it has committed, so a read never sees what is not committed;
 * the reads it held back all start as it ends.
 */
export class SqliteGate {
  private readers = 0;
  private writing = false;
  private readonly heldReads: (() => void)[] = [];
  private readersDone?: () => void;

  /** Runs `read` alongside other reads, once no transaction holds the connection. */
  async read<R>(read: () => Promise<R>): Promise<R> {
    // A held read is counted in by `endWrite`, in the same step that lets it go.
    if (this.writing) await new Promise<void>((resolve) => this.heldReads.push(resolve));
    else this.readers++;
    try {
      return await read();
    } finally {
      if (--this.readers === 0 && this.readersDone) {
        const done = this.readersDone;
        this.readersDone = undefined;
        done();
      }
    }
  }

  /** Takes the connection for a transaction (one at a time: the caller runs them one after another). */
  async beginWrite(): Promise<void> {
    this.writing = true;
    if (this.readers > 0) await new Promise<void>((resolve) => { this.readersDone = resolve; });
  }

  /** Gives the connection back and lets the held reads go. */
  endWrite(): void {
    this.writing = false;
    const held = this.heldReads.splice(0);
    this.readers += held.length;
    for (const go of held) go();
  }
}
