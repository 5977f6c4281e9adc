/** Name helpers shared by the builder: every derived name comes from here. */

/** `BlogPost` → `blog-post`. */
export function kebabCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z])([A-Z][a-z])/g, '$1-$2').replace(/[_\s]+/g, '-').toLowerCase();
}

/** `blogPost` → `blog_post`. */
export function snakeCase(name: string): string {
  return kebabCase(name).replace(/-/g, '_');
}

/** `BlogPost` → `blogPost`. */
export function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** English plural of the last word: `category` → `categories`, `box` → `boxes`, `user` → `users`. */
export function pluralize(word: string): string {
  if (/[^aeiou]y$/i.test(word)) return word.slice(0, -1) + 'ies';
  if (/(s|x|z|ch|sh)$/i.test(word)) return word + 'es';
  return word + 's';
}

/** Letters whose spoken name begins with a vowel sound: "an S", "an HTML page". */
const LETTERS_SAID_WITH_A_VOWEL = 'AEFHILMNORSX';
/** Words that begin with a vowel letter but a consonant sound: "a user", "a unicorn", "a euro", "a one-off". */
const VOWEL_LETTER_CONSONANT_SOUND = /^(?:uni(?![nm])|usa|use|usu|uti|uto|ura|uro|ubi|eu|one)/i;
/** Words that begin with a silent h: "an hour", "an honest…", "an heir". */
const SILENT_H = /^(?:hour|honest|honou?r|heir)/i;

/**
 * `name` with the indefinite article descriptions put before it, by a small set of rules:
 * 1. an initialism (a capital not followed by a lowercase letter: `SMS`, `HTMLPage`, `URL`) is read
 *    letter by letter, so `an` goes before A, E, F, H, I, L, M, N, O, R, S and X: `an SMS`, `a URL`;
 * 2. a word takes `an` when it begins with a vowel letter (`an Author`, `an Uncle`) unless that
 *    letter sounds like "you" or "w" (`a User`, `a Unicorn`, `a Utility`, `a Euro`, `a OneTimeCode`;
 *    but `an Uninstall`), or when it begins with a silent h (`an Hour`, `an Honor`, `an Heir`);
 * 3. anything else takes `a` (`a Book`, `a Hotel`).
 * Spelling cannot tell every sound (`a Euler` should be `an Euler`); these rules cover the usual names.
 */
export function withArticle(name: string): string {
  return `${startsWithVowelSound(name) ? 'an' : 'a'} ${name}`;
}

function startsWithVowelSound(name: string): boolean {
  if (/^[A-Z](?![a-z])/.test(name)) return LETTERS_SAID_WITH_A_VOWEL.includes(name.charAt(0));
  if (SILENT_H.test(name)) return true;
  return /^[aeiou]/i.test(name) && !VOWEL_LETTER_CONSONANT_SOUND.test(name);
}
