import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withArticle } from '../../lib/plugin-api.js';

/** Each name with the article the rules of `withArticle` give it. */
function expectArticles(expected: Record<string, 'a' | 'an'>): void {
  for (const [name, article] of Object.entries(expected)) assert.equal(withArticle(name), `${article} ${name}`, name);
}

describe('withArticle', () => {
  it('puts a before a consonant and an before a vowel', () => {
    expectArticles({ Book: 'a', Contact: 'a', SendEmail: 'a', Hotel: 'a', Author: 'an', Article: 'an', Event: 'an', Invoice: 'an', Order: 'an' });
  });

  it('puts an before a u that is not said "you": Uncle, Update, Upload, Urn, Usher', () => {
    expectArticles({ Uncle: 'an', Update: 'an', Upload: 'an', Umbrella: 'an', Urn: 'an', Usher: 'an', Uninstall: 'an', Unimportant: 'an' });
  });

  it('puts a before a vowel letter said like "you" or "w": User, Unicorn, Usage, Utility, Euro, One…', () => {
    expectArticles({
      User: 'a', Unicorn: 'a', Unit: 'a', Union: 'a', Usage: 'a', Usual: 'a', Utility: 'a', Utopia: 'a',
      Uranium: 'a', Urologist: 'a', Ubiquity: 'a', Euro: 'a', European: 'a', OneTimeCode: 'a',
    });
  });

  it('puts an before a silent h: Hour, Honest…, Honor, Honour, Heir', () => {
    expectArticles({ Hour: 'an', HourlyRate: 'an', HonestBroker: 'an', Honor: 'an', Honour: 'an', Heir: 'an', House: 'a', Honey: 'a' });
  });

  it('reads an initialism letter by letter: an SMS, an HTMLPage, an FAQ, a URL, a UUID, a PDF', () => {
    expectArticles({
      SMS: 'an', HTMLPage: 'an', FAQ: 'an', LDAPUser: 'an', MRI: 'an', NPC: 'an', RSVP: 'an', XMLDocument: 'an', API: 'an', ID: 'an', OAuthToken: 'an', X: 'an',
      URL: 'a', UUID: 'a', PDF: 'a', CSVImport: 'a', B2B: 'a', GPS: 'a',
    });
  });

  it('ignores case for words and keeps the name as given', () => {
    assert.equal(withArticle('user'), 'a user');
    assert.equal(withArticle('author'), 'an author');
    assert.equal(withArticle('hour'), 'an hour');
    assert.equal(withArticle('_Draft'), 'a _Draft');
  });
});
