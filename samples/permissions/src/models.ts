import { IsOptional, IsString, Length } from 'class-validator';
import { Allow, Indexed, Resource, Versioned } from 'strata';

/**
 * A small team's articles. Who may do what is written on the class (docs/permissions.md):
 * - admins do everything, and only they may change the internal notes;
 * - editors read, list, write and publish every article and read the notes, but do not delete;
 * - authors read and list every article and create their own; they change, delete and see the
 *   history of their own articles only;
 * - reviewers read every article (drafts too) with its notes and history, and publish;
 * - team members read, list and change their team's articles;
 * - anyone, signed in or not, reads and lists published (stable) articles.
 */
@Resource()
@Versioned({ drafts: true })
@Allow('admin', '*')
@Allow('editor', ['read', 'list', 'history', 'create', 'update', 'publish'])
@Allow('author', ['read', 'list', 'create'])
@Allow('author', ['update', 'delete', 'history'], { own: true })
@Allow('reviewer', ['read', 'list', 'history', 'publish'])
@Allow('member', ['read', 'list', 'update'], { where: (user) => (typeof user.teamId === 'string' ? { teamId: user.teamId } : false) })
@Allow('anyone', ['read', 'list'], { where: { '_meta.status': 'stable' } })
export class Article {
  @Indexed({ text: true }) @Length(1, 200) title!: string;
  @Indexed() @Length(1, 40) teamId!: string;
  @IsOptional() @IsString() @Length(0, 10000) body?: string;
  /** Internal notes: admins, editors and reviewers see them; only admins change them. */
  @Allow(['admin', 'editor', 'reviewer'], 'read') @Allow('admin', 'write')
  @IsOptional() @IsString() @Length(0, 2000) notes?: string;
}
