import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { execute, GraphQLError, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { createHandler, type OperationArgs } from 'graphql-http';
import {
  checkJsonDepth, decodeUtf8, DEFAULT_MAX_INPUT_DEPTH, isStrataError, problemHeaders, readRequestBody, StrataError, valueDepth, type CurrentUser, type Logger,
} from '../../lib/plugin-api.js';
import { complexityErrors, operationOf } from './checks.js';
import { PreparedDocuments } from './documents.js';
import { clientError, requestError, strataExtensions, withoutSuggestions } from './errors.js';
import type { RequestLimits } from './limits.js';
import { RevisionLoaders } from './loaders.js';
import type { GraphQLContext } from './resolvers.js';

/** How the endpoint serves one schema. */
export interface EndpointSettings {
  readonly schema: GraphQLSchema;
  readonly limits: RequestLimits;
  readonly introspection: boolean;
  /** Largest request body (`express.text` syntax: bytes or '1mb'). */
  readonly bodyLimit: string | number;
  /** Who is calling (the plugin context's `currentUser`). */
  currentUser(request: unknown): CurrentUser | null | Promise<CurrentUser | null>;
  readonly logger: Logger;
  /** Answers a browser's GET with GraphiQL; absent when GraphiQL is off. */
  readonly graphiql?: RequestHandler;
}

const REQUEST_ID = /^[\w.:\-/+=]{1,200}$/;
const GRAPHQL_RESPONSE = 'application/graphql-response+json; charset=utf-8';
const JSON_RESPONSE = 'application/json; charset=utf-8';

/**
 * The `/graphql` handler: GraphQL over HTTP (GET and POST, `application/graphql-response+json`)
 * with graphql-http. Before anything runs, each request's document is prepared (parsed, validated
 * against the standard rules plus the depth and alias limits, compiled; cached by query text) and
 * its complexity is computed with its variables. Resolvers get the current user and per-request
 * loaders; errors leave through `clientError`.
 */
export function graphqlEndpoint(settings: EndpointSettings): RequestHandler {
  const documents = new PreparedDocuments(settings.schema, settings.limits, settings.introspection);
  const handler = createHandler<Request, { res: Response }, GraphQLContext>({
    schema: settings.schema,
    // Every request error (from onSubscribe, or graphql-http's own) leaves through here.
    formatError: settings.introspection ? requestError : (error) => withoutSuggestions(requestError(error)),
    async onSubscribe(request, params) {
      const tooDeep = inputDepthError(params.query, params.variables);
      if (tooDeep) return [tooDeep];
      const checked = operationOf(documents, params.query, params.operationName);
      if (checked.errors) return [...checked.errors];
      const { operation } = checked;
      if (operation.operation === 'subscription') return [new GraphQLError('Subscriptions are not served over HTTP; subscribe over the graphql-ws WebSocket protocol at this path', { extensions: { code: 'BAD_REQUEST' } })];
      // graphql-http refuses this too, but without an error code.
      if (operation.operation === 'mutation' && request.method === 'GET') {
        const error = new GraphQLError('Mutations must be sent with POST', { extensions: { code: 'BAD_REQUEST' } });
        return [JSON.stringify({ errors: [error] }), { status: 405, statusText: 'Method Not Allowed', headers: { allow: 'POST', 'content-type': mediaType(request.raw.headers.accept) } }];
      }
      const refused = complexityErrors(documents, settings.limits, checked, params.operationName, params.variables);
      if (refused) return refused;
      const user = await settings.currentUser(request.raw);
      const contextValue: GraphQLContext = { user, requestId: requestIdOf(request.context.res), revisions: new RevisionLoaders(user) };
      return {
        schema: settings.schema, document: checked.document, operationName: params.operationName,
        variableValues: params.variables, contextValue,
      } satisfies OperationArgs<GraphQLContext>;
    },
    execute(args: ExecutionArgs) {
      const run = documents.runner(args.document, args.operationName);
      return run ? run(args.rootValue, args.contextValue, args.variableValues) : execute(args);
    },
    onOperation(request, args, result) {
      // Serialized here, without graphql-http's replacer function (slow on large results); errors go through clientError.
      const requestId = args.contextValue?.requestId ?? requestIdOf(request.context.res);
      const body = result.errors ? { ...result, errors: result.errors.map((error) => clientError(error, requestId, settings.logger)) } : result;
      return [JSON.stringify(body), { status: 200, statusText: 'OK', headers: { 'content-type': mediaType(request.raw.headers.accept) } }];
    },
  });
  const readBody = (request: Request, _response: Response, next: (error?: unknown) => void) => {
    readRequestBody(request, { limit: settings.bodyLimit }).then((bytes) => {
      try {
        const text = decodeUtf8(bytes);
        // The envelope ({ "variables": { … } }) adds two levels to the input values it carries.
        checkJsonDepth(text, DEFAULT_MAX_INPUT_DEPTH + 2, 'The request body');
        const hasBody = request.headers['transfer-encoding'] !== undefined || request.headers['content-length'] !== undefined;
        request.body = hasBody ? text : undefined;
        next();
      } catch (error) {
        next(error);
      }
    }, next);
  };

  return (request, response) => {
    assignRequestId(request, response);
    if (settings.graphiql && request.method === 'GET' && request.accepts(['application/graphql-response+json', 'application/json', 'text/html']) === 'text/html') {
      settings.graphiql(request, response, () => undefined);
      return;
    }
    readBody(request, response, (bodyError?: unknown) => {
      if (bodyError) {
        sendBodyError(request, response, bodyError);
        return;
      }
      const body = typeof request.body === 'string' ? request.body : null;
      // An Accept that allows neither GraphQL media type is answered in application/json, as REST
      // disregards Accept: no 406, whose code no transport shares (RFC 9110 §12.5.1 allows this).
      const headers = mediaType(request.headers.accept) === JSON_RESPONSE && !acceptsJson(request.headers.accept) ? { ...request.headers, accept: 'application/json' } : request.headers;
      handler({ method: request.method, url: request.url, headers, body, raw: request, context: { res: response } }).then(
        ([text, init]) => {
          if (text === null && init.status >= 400) {
            sendRefusal(request, response, init.status, init.headers as Record<string, string> | undefined);
            return;
          }
          // graphql-http answers its own request errors (no query, a body that is not JSON …) as application/json whatever the client accepts.
          const headers = { ...init.headers as Record<string, string> | undefined, ...(text === null ? {} : { 'content-type': mediaType(request.headers.accept) }) };
          response.writeHead(init.status, init.statusText, { ...headers, 'content-length': Buffer.byteLength(text ?? '') }).end(text);
        },
        (error: unknown) => sendFailure(request, response, error, settings.logger),
      );
    });
  };
}

/**
 * The response media type graphql-http negotiated from `Accept` (the same rules, so the status it
 * chose and the media type agree): the first acceptable entry in UTF-8, where
 * `application/graphql-response+json` is itself and `application/json`, `application/*` and `*\/*` mean JSON.
 */
function mediaType(accept: string | string[] | undefined): string {
  for (const entry of String(accept || '*/*').toLowerCase().replace(/\s/g, '').split(',')) {
    const [type, ...parameters] = entry.split(';');
    const charset = parameters.find((parameter) => parameter.includes('charset=')) ?? 'charset=utf-8';
    if (type === 'application/graphql-response+json' && charset === 'charset=utf-8') return GRAPHQL_RESPONSE;
    if ((type === 'application/json' || type === 'application/*' || type === '*/*') && (charset === 'charset=utf-8' || charset === 'charset=utf8')) return JSON_RESPONSE;
  }
  return JSON_RESPONSE;
}

/** True when `Accept` (absent means anything) allows JSON in UTF-8. */
function acceptsJson(accept: string | string[] | undefined): boolean {
  return String(accept || '*/*').toLowerCase().replace(/\s/g, '').split(',').some((entry) => {
    const [type, ...parameters] = entry.split(';');
    const charset = parameters.find((parameter) => parameter.includes('charset=')) ?? 'charset=utf-8';
    return ['application/graphql-response+json', 'application/json', 'application/*', '*/*'].includes(type) && (charset === 'charset=utf-8' || charset === 'charset=utf8');
  });
}

/** Gives the response an `X-Request-Id`: the one set already (by the REST plugin), the client's when sensible, or a new UUID. */
function assignRequestId(request: Request, response: Response): void {
  if (response.getHeader('X-Request-Id')) return;
  response.setHeader('X-Request-Id', requestIdFrom(request.header('X-Request-Id')));
}

/** The request id of a request with this `X-Request-Id` header: the client's when sensible, else a new UUID. */
export function requestIdFrom(given: string | string[] | undefined): string {
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

function requestIdOf(response: Response): string {
  return String(response.getHeader('X-Request-Id'));
}

function sendErrors(request: Request, response: Response, status: number, errors: GraphQLError[]): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  const body = JSON.stringify({ errors });
  response.status(status).setHeader('Content-Type', mediaType(request.headers.accept));
  response.setHeader('Content-Length', Buffer.byteLength(body));
  response.end(body);
}

/**
 * graphql-http answers a wrong method (405), `Accept` (406) or `Content-Type` (415) with no body;
 * Strata sends its headers (`Allow`, `Accept`) and an error with a code, like every other error.
 */
function sendRefusal(request: Request, response: Response, status: number, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  const [code, message] = status === 415 ? ['UNSUPPORTED_MEDIA_TYPE', 'Send a POST body as application/json (or the query in the URL of a GET)']
    : ['BAD_REQUEST', `${request.method} is not supported here; use GET or POST`];
  sendErrors(request, response, status, [new GraphQLError(message, { extensions: { code } })]);
}

/**
 * A query whose text, or variables, nest deeper than the input limit (brackets of selections,
 * lists and input objects): refused before graphql-js parses it, whose parser recurses.
 */
export function inputDepthError(query: unknown, variables: unknown): GraphQLError | undefined {
  try {
    if (typeof query === 'string') checkJsonDepth(query, 2 * DEFAULT_MAX_INPUT_DEPTH, 'The query');
    if (valueDepth(variables, DEFAULT_MAX_INPUT_DEPTH + 1) > DEFAULT_MAX_INPUT_DEPTH + 1) {
      throw StrataError.badRequest(`The variables nest deeper than ${DEFAULT_MAX_INPUT_DEPTH} levels`);
    }
    return undefined;
  } catch (error) {
    return new GraphQLError((error as Error).message, { extensions: { code: 'BAD_REQUEST' } });
  }
}

/** A body too large, in an unsupported encoding, not UTF-8 or cut off: the same codes as REST. */
function sendBodyError(request: Request, response: Response, error: unknown): void {
  if (isStrataError(error)) {
    sendErrors(request, response, error.status, [new GraphQLError(error.message, { extensions: { code: error.code } })]);
    return;
  }
  const type = (error as { type?: string }).type;
  if (type === 'entity.too.large') {
    sendErrors(request, response, 413, [new GraphQLError('The request body is larger than the limit', { extensions: { code: 'PAYLOAD_TOO_LARGE' } })]);
  } else if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    sendErrors(request, response, 415, [new GraphQLError('The request body encoding is not supported; send UTF-8', { extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' } })]);
  } else {
    sendErrors(request, response, 400, [new GraphQLError('The request body could not be read', { extensions: { code: 'BAD_REQUEST' } })]);
  }
}

/**
 * Something failed outside the resolvers (`currentUser` throwing, say): a StrataError keeps its code,
 * status and headers (e.g. 401 UNAUTHORIZED with `WWW-Authenticate`); anything else is a 500 INTERNAL, logged with the request id.
 */
function sendFailure(request: Request, response: Response, error: unknown, logger: Logger): void {
  if (isStrataError(error)) {
    if (!response.headersSent) for (const [name, value] of Object.entries(problemHeaders(error))) response.setHeader(name, value);
    sendErrors(request, response, error.status, [new GraphQLError(error.message, { extensions: strataExtensions(error) })]);
    return;
  }
  const requestId = requestIdOf(response);
  logger.error('GraphQL request failed', { requestId, method: request.method, url: request.originalUrl, error: error instanceof Error ? error.stack ?? error.message : String(error) });
  sendErrors(request, response, 500, [new GraphQLError('Internal error', { extensions: { code: 'INTERNAL', requestId } })]);
}
