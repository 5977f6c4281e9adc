const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** True when `name` is a GraphQL name that is not reserved for introspection (`__…`). */
export function isGraphQLName(name: string): boolean {
  return GRAPHQL_NAME.test(name) && !name.startsWith('__');
}

/** `createdAt` → `CreatedAt`. */
export function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The names of one schema, each claimed by what defines it, so two definitions that would share a
 * name are reported (as bootstrap problems) instead of failing deep inside graphql-js.
 */
export class NameRegistry {
  private readonly owners = new Map<string, string>();
  readonly problems: string[] = [];

  /**
   * Claims `name` for `owner` (e.g. `type User (resource User)`); returns false and records a problem
   * when it is not a GraphQL name or another owner has it. The same owner may claim a name again.
   */
  claim(name: string, owner: string, fix: string): boolean {
    if (!isGraphQLName(name)) {
      this.problems.push(`${owner}: "${name}" is not a valid GraphQL name (letters, digits and _, not starting with a digit or __); ${fix}`);
      return false;
    }
    const existing = this.owners.get(name);
    if (existing !== undefined && existing !== owner) {
      this.problems.push(`${owner}: the GraphQL name "${name}" is already used by ${existing}; ${fix}`);
      return false;
    }
    this.owners.set(name, owner);
    return true;
  }

  /** Checks the name of a field (`Class.property`); returns false and records a problem when it is not a GraphQL name. */
  checkFieldName(name: string, where: string): boolean {
    if (isGraphQLName(name)) return true;
    this.problems.push(`${where}: "${name}" is not a valid GraphQL field name (letters, digits and _, not starting with a digit or __); rename the property`);
    return false;
  }
}

/**
 * GraphQL names for the values of an enum, in order: the enum object's own keys when it has them,
 * else each value made into a name (`in-progress` → `in_progress`, `1` → `_1`), unique.
 */
export function enumValueNames(values: readonly (string | number)[], enumObject?: object): string[] {
  const keys = enumObject ? Object.entries(enumObject).filter(([key]) => !/^\d+$/.test(key)) : [];
  const taken = new Set<string>();
  return values.map((value) => {
    const key = keys.find(([, candidate]) => candidate === value)?.[0];
    let name = key !== undefined && isEnumValueName(key) ? key : String(value).replace(/[^_0-9A-Za-z]/g, '_');
    if (!/^[_A-Za-z]/.test(name)) name = `_${name}`;
    if (!isEnumValueName(name)) name = `${name}_`;
    const base = name;
    for (let suffix = 2; taken.has(name); suffix++) name = `${base}_${suffix}`;
    taken.add(name);
    return name;
  });
}

function isEnumValueName(name: string): boolean {
  // type-graphql drops enum keys that parse as numbers; GraphQL forbids true, false and null.
  return isGraphQLName(name) && Number.isNaN(parseInt(name, 10)) && !['true', 'false', 'null'].includes(name);
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
