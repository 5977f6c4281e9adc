/** One write waiting for, or running in, a group. */
interface Member<C> {
  readonly work: (connection: C) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** What the write returned, kept until the COMMIT that holds it. */
  result?: unknown;
}

/** How a group talks to the database: statements without values, on the connection the group holds. */
export interface GroupConnection<C> {
  /** The connection itself, handed to each write of the group. */
  readonly connection: C;
  exec(sql: string): Promise<void>;
  release(): Promise<void>;
}

/** Writes in one group at most: bounds how long the first of them waits for its COMMIT. */
const MAX_GROUP = 64;
/** The savepoint each write of a group runs in. */
const SAVEPOINT = 'strata_write';

/**
 * Group commit for a database with one writer (SQLite). A write that finds no transaction running
 * starts one at once (a lone write waits for nobody); writes that arrive while it runs join it, and
 * those that arrive while it commits form the next one. The writes of a group run one after
 * another, each in its own savepoint, under one `BEGIN IMMEDIATE` … `COMMIT`. A write that fails (a
 * validation error, a conflict, a throwing hook) is rolled back to its savepoint and rejected with
 * its error; the others are not touched. A write's promise settles only after the COMMIT that holds
 * it (or with the error that failed the transaction), so nothing is acknowledged before it is
 * durable. A group holds at most MAX_GROUP writes, which bounds how long the first one waits.
 */
export class GroupCommit<C> {
  private readonly waiting: Member<C>[] = [];
  private draining?: Promise<void>;

  /** @param open takes the connection (waiting for it) for one transaction. */
  constructor(private readonly open: () => Promise<GroupConnection<C>>) {}

  /** Runs `work` in the next group; it resolves with what `work` returned once its group committed. */
  submit<T>(work: (connection: C) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.draining ??= this.drain();
    });
  }

  /** Resolves once no write is waiting or running. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) await this.runGroup();
    } finally {
      // In the same step as the last look at `waiting`, so a write submitted later starts a new drain.
      this.draining = undefined;
    }
  }

  /**
   * One transaction: `BEGIN IMMEDIATE` and the first savepoint in one trip, each write in its own
   * savepoint (the next one opened as the previous write ends), one COMMIT. A failure the savepoint
   * cannot contain (the COMMIT, or SQLite abandoning the transaction) fails every write of the group
   * that had not failed on its own already: none of them is stored.
   */
  private async runGroup(): Promise<void> {
    let connection: GroupConnection<C>;
    try {
      connection = await this.open();
    } catch (error) {
      for (const member of this.waiting.splice(0, MAX_GROUP)) member.reject(error);
      return;
    }
    // Writes join while the group runs, until its COMMIT starts (or it is full).
    const members: Member<C>[] = [];
    const stored: Member<C>[] = [];
    let started = 0;
    try {
      await connection.exec(`BEGIN IMMEDIATE; SAVEPOINT ${SAVEPOINT}`);
      while (members.length < MAX_GROUP && this.waiting.length > 0) {
        const member = this.waiting.shift()!;
        members.push(member);
        if (started > 0) await connection.exec(`SAVEPOINT ${SAVEPOINT}`);
        started++;
        let failure: { error: unknown } | undefined;
        try {
          member.result = await member.work(connection.connection);
          stored.push(member);
        } catch (error) {
          failure = { error };
        }
        if (!failure) continue;
        // Undoes this write only; when SQLite abandoned the transaction this throws and fails the group.
        try {
          await connection.exec(`ROLLBACK TO ${SAVEPOINT}; RELEASE ${SAVEPOINT}`);
        } finally {
          member.reject(failure.error);
        }
      }
      await connection.exec('COMMIT');
    } catch (error) {
      await connection.exec('ROLLBACK').catch(() => undefined);
      await connection.release().catch(() => undefined);
      // Nothing of this transaction is stored: its writes fail with the error that ended it, and
      // those it never reached wait for the next one (unless it could not even begin).
      for (const member of stored) member.reject(error);
      if (started === 0) for (const member of this.waiting.splice(0, MAX_GROUP)) member.reject(error);
      else if (members.length > started) this.waiting.unshift(members[members.length - 1]);
      return;
    }
    await connection.release();
    for (const member of stored) member.resolve(member.result);
  }
}
