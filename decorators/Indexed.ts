import { noteProperty } from '../lib/metadata/args-store.js';
import type { IndexedOptions } from '../lib/metadata/args.js';

/**
 * Makes a field searchable and sortable through a real database index.
 * @example @Indexed({ unique: true }) @IsEmail() email!: string;
 */
export function Indexed(options: IndexedOptions = {}): PropertyDecorator {
  return (prototype, property) => {
    noteProperty(prototype.constructor, String(property)).indexed.set(String(property), { ...options });
  };
}
