import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import { execute, GraphQLError, type ExecutionArgs, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { isStrataError, problemHeaders, type CurrentUser, type Logger } from '../../lib/plugin-api.js';
import { complexityErrors, operationOf } from './checks.js';
import { PreparedDocuments } from './documents.js';
import { inputDepthError, requestIdFrom } from './endpoint.js';
import { clientError, requestError, strataExtensions, withoutSuggestions } from './errors.js';
import type { RequestLimits } from './limits.js';
import { RevisionLoaders } from './loaders.js';
import type { GraphQLContext } from './resolvers.js';

/** How the WebSocket side of the endpoint serves one schema. */
export interface SocketSettings {
  readonly schema: GraphQLSchema;
  /** The endpoint's path (`/graphql`): upgrade requests to it are served, others left to other listeners. */
  readonly path: string;
  readonly limits: RequestLimits;
  readonly introspection: boolean;
  /** Who is connecting (the plugin context's `currentUser`), asked once per connection with the upgrade request. */
  currentUser(request: unknown): CurrentUser | null | Promise<CurrentUser | null>;
  readonly logger: Logger;
}

/** Who a connection is: asked once, at the upgrade. */
interface Connection {
  readonly user: CurrentUser | null;
  readonly requestId: string;
}

/** The largest message a client may send (a subscribe message holds a query and its variables). */
const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Operations one connection may run at once. */
const MAX_OPERATIONS_PER_CONNECTION = 100;
/** How long `close()` lets clients answer the close handshake before it cuts their sockets. */
const CLOSE_GRACE_MS = 1000;

/**
 * GraphQL over WebSocket (the graphql-ws protocol, `graphql-transport-ws`) on the endpoint's path of
 * every HTTP server it is attached to. Each connection's caller is found once, from the upgrade
 * request, before the handshake: a `currentUser` that throws refuses the upgrade with its status.
 * Every operation is checked as over HTTP (document, limits, complexity with its variables) and its
 * errors leave through `clientError`. Subscriptions, queries and mutations all run; at most
 * `MAX_OPERATIONS_PER_CONNECTION` at once per connection.
 */
export class SubscriptionServer {
  private readonly sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private readonly connections = new WeakMap<IncomingMessage, Connection>();
  private readonly servers = new Map<Server, (request: IncomingMessage, socket: Duplex, head: Buffer) => void>();
  private closing = false;

  constructor(private readonly settings: SocketSettings, private readonly requestPrototype?: object) {
    const documents = new PreparedDocuments(settings.schema, settings.limits, settings.introspection);
    const connectionOf = (request: IncomingMessage): Connection => this.connections.get(request) ?? { user: null, requestId: requestIdFrom(undefined) };
    useServer<Record<string, unknown> | undefined, Record<string, never>>({
      schema: settings.schema,
      // Internal failures close a socket with a generic reason, never an error message.
      isProd: true,
      onSubscribe(context, _id, payload) {
        if (Object.keys(context.subscriptions).length > MAX_OPERATIONS_PER_CONNECTION) {
          return [new GraphQLError(`A connection runs at most ${MAX_OPERATIONS_PER_CONNECTION} operations at once; complete one first, or open another connection`, { extensions: { code: 'RATE_LIMITED' } })];
        }
        const tooDeep = inputDepthError(payload.query, payload.variables);
        if (tooDeep) return [tooDeep];
        const checked = operationOf(documents, payload.query, payload.operationName);
        if (checked.errors) return checked.errors;
        const refused = complexityErrors(documents, settings.limits, checked, payload.operationName, payload.variables);
        if (refused) return refused;
        const { user, requestId } = connectionOf(context.extra.request);
        const contextValue: GraphQLContext = { user, requestId, revisions: new RevisionLoaders(user) };
        return {
          schema: settings.schema, document: checked.document, operationName: payload.operationName,
          variableValues: payload.variables, contextValue,
        } satisfies ExecutionArgs;
      },
      execute(args: ExecutionArgs) {
        const run = documents.runner(args.document, args.operationName);
        return run ? run(args.rootValue, args.contextValue, args.variableValues) : execute(args);
      },
      onNext(context, _id, _payload, _args, result) {
        if (!result.errors) return undefined;
        const { requestId } = connectionOf(context.extra.request);
        return { ...result, errors: result.errors.map((error) => clientError(error, requestId, settings.logger)) };
      },
      onError: (context, _id, _payload, errors) => errors.map((error) => this.operationError(error, connectionOf(context.extra.request).requestId)),
    }, this.sockets);
  }

  /** Serves GraphQL over WebSocket on upgrade requests to the endpoint's path of `server`, until it or this closes. */
  attach(server: Server): void {
    if (this.closing || this.servers.has(server)) return;
    const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if ((request.url ?? '').split('?')[0] !== this.settings.path) {
        // Another path: another listener's, unless there is none (then nothing else would answer it).
        if (server.listeners('upgrade').length === 1) refuse(socket, 404, 'NOT_FOUND', `Nothing is served over WebSocket at ${(request.url ?? '').split('?')[0]}; GraphQL is at ${this.settings.path}`);
        return;
      }
      void this.upgrade(request, socket, head);
    };
    server.on('upgrade', onUpgrade);
    server.once('close', () => this.detach(server));
    this.servers.set(server, onUpgrade);
  }

  /**
   * Attaches every server `app.listen` makes from now on (Express's `listen` creates the server
   * inside, so this is where Strata can see it). Returns a function that puts `listen` back.
   */
  observe(app: Express): () => void {
    const original = app.listen;
    const own = Object.prototype.hasOwnProperty.call(app, 'listen');
    const attach = (server: Server) => this.attach(server);
    const listen = function (this: unknown, ...args: unknown[]) {
      const server = (original as (...values: unknown[]) => Server).apply(this, args);
      attach(server);
      return server;
    };
    app.listen = listen as Express['listen'];
    return () => {
      // Someone wrapped listen after us: leave theirs (it calls ours, which attaches nothing once closed).
      if (app.listen !== listen) return;
      if (own) app.listen = original;
      else delete (app as Partial<Express>).listen;
    };
  }

  /**
   * Stops serving: no more upgrades, and every open connection is closed with 1001 (going away),
   * which ends its subscriptions; a client that does not answer the close handshake within a
   * second is cut off.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const server of [...this.servers.keys()]) this.detach(server);
    const closed = new Promise<void>((resolve) => this.sockets.close(() => resolve()));
    for (const client of this.sockets.clients) client.close(1001, 'Going away');
    const cut = setTimeout(() => {
      for (const client of this.sockets.clients) client.terminate();
    }, CLOSE_GRACE_MS);
    await closed;
    clearTimeout(cut);
  }

  private detach(server: Server): void {
    const onUpgrade = this.servers.get(server);
    if (onUpgrade) server.off('upgrade', onUpgrade);
    this.servers.delete(server);
  }

  /** Finds the caller, then completes the WebSocket handshake (or answers the upgrade with the error's status). */
  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // A socket that fails before ws takes it over (while the caller is looked up, or refused) must not take the process down.
    const ignore = () => undefined;
    socket.on('error', ignore);
    // The caller is found as over HTTP, so user resolvers written for Express requests (request.header(…)) work here too.
    if (this.requestPrototype) Object.setPrototypeOf(request, this.requestPrototype);
    const requestId = requestIdFrom(request.headers['x-request-id']);
    let user: CurrentUser | null;
    try {
      user = await this.settings.currentUser(request);
    } catch (error) {
      if (isStrataError(error)) {
        refuse(socket, error.status, error.code, error.message, strataExtensions(error), problemHeaders(error));
      } else {
        this.settings.logger.error('GraphQL WebSocket upgrade failed', { requestId, url: request.url, error: error instanceof Error ? error.stack ?? error.message : String(error) });
        refuse(socket, 500, 'INTERNAL', 'Internal error', { code: 'INTERNAL', requestId });
      }
      return;
    }
    if (socket.destroyed) return;
    socket.off('error', ignore);
    this.connections.set(request, { user, requestId });
    this.sockets.handleUpgrade(request, socket, head, (client) => this.sockets.emit('connection', client, request));
  }

  /**
   * An error that ends an operation before or instead of a result (a request error from
   * `onSubscribe`, as over HTTP); anything unexpected is INTERNAL, logged with the connection's request id.
   */
  private operationError(error: GraphQLError, requestId: string): GraphQLFormattedError {
    const original = error.originalError;
    if (original && !isStrataError(original) && !(original instanceof GraphQLError)) {
      this.settings.logger.error('GraphQL WebSocket operation failed', { requestId, error: original.stack ?? original.message });
      return { message: 'Internal error', extensions: { code: 'INTERNAL', requestId } };
    }
    const coded = isStrataError(original) ? new GraphQLError(original.message, { extensions: strataExtensions(original) }) : requestError(error);
    return (this.settings.introspection ? coded : withoutSuggestions(coded)).toJSON();
  }
}

/**
 * Answers an upgrade request with an HTTP error (a GraphQL error body with its code, and the
 * error's headers, such as a 401's `WWW-Authenticate`) and closes the socket.
 */
function refuse(socket: Duplex, status: number, code: string, message: string, extensions: Record<string, unknown> = { code }, headers: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ errors: [{ message, extensions }] });
  socket.once('finish', () => socket.destroy());
  socket.end([
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, 'Connection: close', 'Content-Type: application/json; charset=utf-8',
    // Written by hand on the raw socket, so no line break may slip into a header.
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value.replace(/[\r\n]+/g, ' ')}`),
    `Content-Length: ${Buffer.byteLength(body)}`, '', body,
  ].join('\r\n'));
}
