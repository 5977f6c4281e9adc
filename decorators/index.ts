export { Resource } from './Resource.js';
export { Indexed } from './Indexed.js';
export { Versioned } from './Versioned.js';
export { Field } from './Field.js';
export { Ref } from './Ref.js';
export { Job } from './Job.js';
export { Allow, type AllowAction } from './Allow.js';
export { Blob } from './Blob.js';
