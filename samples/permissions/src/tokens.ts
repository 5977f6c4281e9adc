import { SignJWT } from 'jose';

/** The people of the sample's team: a user id, roles and (for members) a team. */
export const PEOPLE = {
  admin: { sub: 'ada', roles: ['admin'] },
  editor: { sub: 'edith', roles: ['editor'] },
  author: { sub: 'arthur', roles: ['author'] },
  reviewer: { sub: 'rhea', roles: ['reviewer'] },
  member: { sub: 'mia', roles: ['member'], teamId: 'red' },
} as const;

/** An HS256 token for `person`, valid for a day: the claims `authPlugin` reads (`sub`, `roles`, and `teamId` for scopes). */
export function tokenFor(person: keyof typeof PEOPLE, secret: string): Promise<string> {
  const { sub, ...claims } = PEOPLE[person];
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('1d')
    .sign(new TextEncoder().encode(secret));
}
