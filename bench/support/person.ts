import 'reflect-metadata';
import { IsEmail, IsInt, IsOptional, Length, Min } from 'class-validator';
import { Indexed, Ref, Resource, Versioned } from '../../index.js';

/**
 * The resource every benchmark measures: an indexed name, a unique email, an indexed integer and a
 * 200-character unindexed bio, with drafts so GraphQL exposes its draft arguments too.
 * REST path `/people`; GraphQL `person` / `persons`.
 */
@Resource({ path: 'people' })
@Versioned({ drafts: true })
export class Person {
  @Indexed() @Length(1, 100) name!: string;
  @Indexed({ unique: true }) @IsEmail() email!: string;
  @Indexed() @IsInt() @Min(0) age!: number;
  @IsOptional() @Length(0, 2000) bio?: string;
}

/** The data of person number `index` (unique email; age cycles through 0–89). */
export function personData(index: number): { name: string; email: string; age: number; bio: string } {
  return { name: `Person ${index}`, email: `person${index}@example.com`, age: index % 90, bio: 'x'.repeat(200) };
}

/** A team people belong to, for the `expand` benchmark: REST `/teams`. */
@Resource()
export class Team {
  @Indexed() @Length(1, 100) name!: string;
}

/** A membership pointing at a team, listed with and without `expand=teamId`: REST `/members`. */
@Resource()
export class Member {
  @Indexed() @Length(1, 100) name!: string;
  @Ref(() => Team) teamId!: string;
}
