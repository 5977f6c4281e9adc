/** The user a call runs for, as `currentUser(req)` returned it. */
export interface CurrentUser {
  id: string;
  roles?: string[];
  [key: string]: unknown;
}

/** Options every manager call accepts. */
export interface CallOptions {
  /** Who is calling; recorded as createdBy/updatedBy. `null` or absent is anonymous. */
  user?: CurrentUser | null;
}

/** Options of a write to an existing resource. */
export interface WriteOptions extends CallOptions {
  /** Write a draft revision (needs `@Versioned({ drafts: true })`). */
  draft?: boolean;
  /** Fail with PRECONDITION_FAILED unless the current revision has this number. */
  expectedRevision?: number;
  /** Fail with PRECONDITION_FAILED unless the current ETag is one of these (`*` matches any). */
  ifMatch?: string | readonly string[];
  /** On create of a `@Job` resource: when the job is due (ISO-8601 date-time or Date; default now). */
  runAt?: string | Date;
}

/** The id recorded as createdBy/updatedBy for `user` (null when anonymous). */
export function userId(user: CurrentUser | null | undefined): string | null {
  return user?.id ?? null;
}
