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

/** Words that begin with a vowel letter but a consonant sound ('a User', 'a European'). */
const CONSONANT_SOUND = /^(u[bcfhjkqrstn][aeiou]|use|uni|eu|ewe|one|once|ur[aeiou])/i;
/** Words that begin with a consonant letter but a vowel sound ('an Hour', 'an Honest'). */
const VOWEL_SOUND = /^(hour|honest|honor|honour|heir)/i;
/** Letters whose name begins with a vowel sound, for initialisms ('an SMS', 'an FAQ', 'a URL'). */
const VOWEL_SOUND_LETTERS = /^[aefhilmnorsx]/i;

/**
 * The indefinite article and `name`, by how the name is spoken: `a User`, `an Author`, `an Hour`,
 * `an SMS` (an all-capitals initialism is spelled out letter by letter), `a URL`.
 * @example withArticle('User') // 'a User'
 */
export function withArticle(name: string): string {
  const initialism = /^[A-Z]{2,}(?![a-z])/.test(name);
  let vowel: boolean;
  if (initialism) vowel = VOWEL_SOUND_LETTERS.test(name);
  else if (VOWEL_SOUND.test(name)) vowel = true;
  else vowel = /^[aeiou]/i.test(name) && !CONSONANT_SOUND.test(name);
  return `${vowel ? 'an' : 'a'} ${name}`;
}
