export {
  ACTIONS, hasIdSegment, writeOptionsOf,
  type Action, type HttpMethod, type ParameterKind, type OperationParameter, type OperationBody, type OperationResult,
  type OperationCall, type OperationDefinition, type BlobDownload,
} from './types.js';
export { operationIdOf, type AddOperationOptions } from './table.js';
export {
  RESOURCE_OPERATIONS, PATCH_MEDIA_TYPES, NDJSON_MEDIA_TYPES, REVISION_NUMBER_PARAMETER,
  draftOption, draftParameter, pageParameters, jsonBody, jsonResult, resourceResult, idOf,
} from './resource-operations.js';
