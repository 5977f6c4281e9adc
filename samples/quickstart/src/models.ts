import { IsEmail, IsOptional, IsString, Length } from 'class-validator';
import { Blob, Indexed, Ref, Resource, Versioned, type BlobValue } from 'strata';

/** A writer. REST `/authors`; `email` is unique among authors that are not deleted. */
@Resource()
export class Author {
  @Indexed({ unique: true }) @IsEmail() email!: string;
  @Indexed() @Length(1, 100) name!: string;
  @IsOptional() @Length(0, 2000) bio?: string;
}

/**
 * A piece of writing with its full revision history. REST `/articles`. `?draft=true` writes a
 * draft revision that `POST /articles/:id/publish` makes stable, so the article needs no status
 * field of its own: `_meta.status` says `draft` or `stable`.
 */
@Resource()
@Versioned({ drafts: true })
export class Article {
  @Indexed({ text: true }) @Length(1, 200) title!: string;
  @IsString() @Length(0, 100_000) body!: string;
  @Ref(() => Author) @Indexed() authorId!: string;
  @IsOptional() @IsString({ each: true }) tags?: string[];
  /** An image uploaded with `POST /_blobs`; `GET /articles/:id/cover` serves it. */
  @Blob({ optional: true }) cover?: BlobValue;
}
