/** How an `@Indexed` string field's column is normalized: `lowercase`, Unicode `nfc`, or `nfkc-casefold`. */
export type IndexNormalization = 'lowercase' | 'nfc' | 'nfkc-casefold';

/** The normalizations `@Indexed({ normalize })` takes. */
export const INDEX_NORMALIZATIONS: readonly IndexNormalization[] = ['lowercase', 'nfc', 'nfkc-casefold'];

/**
 * The value an indexed column holds for `value` (and what filters on it compare with): the stored
 * data keeps the value as written. `nfkc-casefold` folds compatibility forms and case
 * (`ＡＤＡ`, `Ada`, `ada` are one); non-strings pass through.
 * @example normalizeIndexValue('lowercase', 'Ada@X.org') // 'ada@x.org'
 */
export function normalizeIndexValue(normalization: IndexNormalization | undefined, value: unknown): unknown {
  if (normalization === undefined || typeof value !== 'string') return value;
  switch (normalization) {
    case 'lowercase': return value.toLowerCase();
    case 'nfc': return value.normalize('NFC');
    case 'nfkc-casefold': return value.normalize('NFKC').toLowerCase().normalize('NFKC');
  }
}
