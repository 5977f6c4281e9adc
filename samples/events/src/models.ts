import { IsInt, IsOptional, IsString, Length, Min } from 'class-validator';
import { Indexed, Resource, Versioned } from 'strata';

/**
 * A piece of writing. REST `/articles`. Its author is whoever created it (`_meta.createdBy`, from
 * the `X-User` header in this sample), so the author of an article never changes.
 */
@Resource()
@Versioned()
export class Article {
  @Indexed({ text: true }) @Length(1, 200) title!: string;
  @IsOptional() @IsString() @Length(0, 100_000) body?: string;
}

/**
 * How many live (not deleted) articles an author has: a denormalised count that
 * `articleEventsPlugin` keeps from the article events, in the same transaction as each change.
 * REST `/author-stats`, read-only: only the plugin writes it.
 */
@Resource({ path: 'author-stats', description: 'Live articles per author, kept by the article-events plugin (read-only)' })
@Versioned({ retain: 10 })   // a counter needs little history
export class AuthorStats {
  @Indexed({ unique: true }) @Length(1, 200) authorId!: string;
  @Indexed() @IsInt() @Min(0) articles!: number;
}
