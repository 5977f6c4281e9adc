import { noteProperty } from '../lib/metadata/args-store.js';
import type { FieldOptions, FieldTypeName, FieldTypeThunk } from '../lib/metadata/args.js';

/**
 * Declares a field's type where `design:type` cannot see it: arrays, nested classes, enums, JSON.
 * @example @Field(() => [String]) tags!: string[];
 * @example @Field('json', { optional: true }) settings?: Record<string, unknown>;
 */
export function Field(type?: FieldTypeThunk | FieldTypeName, options: FieldOptions = {}): PropertyDecorator {
  return (prototype, property) => {
    const name = String(property);
    noteProperty(prototype.constructor, name).fields.set(name, { property: name, type, options: { ...options } });
  };
}
