import { IsBoolean, IsOptional, Length } from 'class-validator';
import { Indexed, Resource, Versioned } from 'strata';

/** A note that can be archived. REST `/notes`, GraphQL `note`/`notes`/`archiveNote`. */
@Resource()
@Versioned()
export class Note {
  @Indexed() @Length(1, 200) title!: string;
  @Length(0, 5000) body!: string;
  @Indexed() @IsOptional() @IsBoolean() archived?: boolean;
}
