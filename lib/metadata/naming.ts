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
