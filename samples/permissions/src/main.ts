import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { Article } from './models.js';
import { PEOPLE, tokenFor } from './tokens.js';

// A fresh secret per start unless JWT_SECRET is set: the tokens printed below are the only valid ones.
const secret = process.env.JWT_SECRET ?? randomBytes(32).toString('hex');
const { app, strata } = await createApp({ secret });

// A few articles to look at, written by the app itself (`strata.manager` runs as the system, unchecked).
const articles = strata.manager(Article);
if ((await articles.count()) === 0) {
  await articles.create({ title: 'Welcome to the team blog', teamId: 'red', body: 'Published for everyone.', notes: 'Ask legal before changing' }, { user: { id: 'ada' } });
  await articles.create({ title: 'Arthur drafts a post', teamId: 'red', body: 'Work in progress.' }, { user: { id: 'arthur' }, draft: true });
  await articles.create({ title: 'Blue team roadmap', teamId: 'blue', body: 'Internal.', notes: 'Budget not final' }, { user: { id: 'edith' }, draft: true });
}

const host = process.env.HOST ?? '127.0.0.1';
const server = app.listen(Number(process.env.PORT ?? 3000), host);
await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
const base = `http://${host}:${(server.address() as AddressInfo).port}`;
console.log(`Strata permissions sample is running at ${base} (database: ${process.env.STRATA_DATABASE_URL ?? 'sqlite:./data/strata.sqlite'})`);
console.log('Tokens (valid for a day; send them as Authorization: Bearer <token>):');
for (const person of Object.keys(PEOPLE) as (keyof typeof PEOPLE)[]) {
  console.log(`  export ${person.toUpperCase()}=${await tokenFor(person, secret)}`);
}
console.log(`Try: curl -s ${base}/articles                                   (anyone: published articles only)`);
console.log(`     curl -s -H "Authorization: Bearer $EDITOR" ${base}/articles   (every article, with notes)`);
console.log('Press Ctrl+C to stop.');

async function shutdown(): Promise<void> {
  await new Promise((resolve) => server.close(resolve));
  await strata.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
