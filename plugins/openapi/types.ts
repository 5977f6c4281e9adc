/**
 * The slice of the OpenAPI 3.1 object model this plugin writes. Schemas are JSON Schema 2020-12
 * objects, kept loose on purpose: any keyword of the dialect may appear.
 */

import type { ParameterSchema, SchemaObject, SecurityScheme } from '../../lib/plugin-api.js';

export type { SchemaObject };

/** A `$ref` to a component: `{ $ref: '#/components/schemas/User' }`. */
export interface ReferenceObject {
  $ref: string;
}

/** A parameter in the path, the query or a header: the shape the operation table describes parameters in. */
export type ParameterObject = ParameterSchema;

/** A response header. */
export interface HeaderObject {
  description?: string;
  required?: boolean;
  schema: SchemaObject;
}

/** One media type of a body: its schema. */
export interface MediaTypeObject {
  schema: SchemaObject;
}

/** A request body. */
export interface RequestBodyObject {
  description?: string;
  required: boolean;
  content: Record<string, MediaTypeObject>;
}

/** A response of one status. */
export interface ResponseObject {
  description: string;
  headers?: Record<string, HeaderObject | ReferenceObject>;
  content?: Record<string, MediaTypeObject>;
}

/** One operation (a method of a path). */
export interface OperationObject {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters: (ParameterObject | ReferenceObject)[];
  requestBody?: RequestBodyObject;
  responses: Record<string, ResponseObject | ReferenceObject>;
}

/** The HTTP methods routing-controllers mounts REST routes with. */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A server the document lists (`servers` option). */
export interface ServerObject {
  url: string;
  description?: string;
}

/** The whole document served at `/openapi.json`. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  jsonSchemaDialect: string;
  info: { title: string; version: string; description?: string };
  servers?: ServerObject[];
  tags: { name: string; description?: string }[];
  /** Top-level security requirements: `[{}, { bearer: [] }, …]` when plugins declared schemes. */
  security?: Record<string, string[]>[];
  paths: Record<string, Partial<Record<HttpMethod, OperationObject>>>;
  components: {
    schemas: Record<string, SchemaObject>;
    parameters: Record<string, ParameterObject>;
    headers: Record<string, HeaderObject>;
    responses: Record<string, ResponseObject>;
    securitySchemes?: Record<string, SecurityScheme>;
  };
}
