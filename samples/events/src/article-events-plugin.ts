import { AsyncLocalStorage } from 'node:async_hooks';
import {
  definePlugin, StrataError,
  type EventsService, type PluginContext, type ResourceView, type StrataEvent, type StrataPlugin,
} from 'strata';
import { Article, AuthorStats } from './models.js';

/** Options of `articleEventsPlugin`. */
export interface ArticleEventsOptions {
  /** Where each article event is POSTed as JSON after it commits; left out, nothing is forwarded. */
  forwardTo?: string;
}

/** Events name a resource by its path segment. */
const ARTICLES = 'articles';
const WRITES = ['create', 'createMany', 'update', 'patch', 'delete', 'restore', 'purge', 'switch', 'publish', 'import'] as const;
const FORWARD_TIMEOUT_MS = 5000;

/**
 * A plugin written with Strata's public exports only, reacting to the change events of articles:
 * - inside each change's transaction (`events.onAppend`) it keeps `AuthorStats` — the number of
 *   live articles per author — so the count commits with the change or not at all;
 * - after commit (`events.on`, the bus `strata.events` is) it POSTs each article event to
 *   `forwardTo`; a receiver that fails is logged and never fails the write.
 * It needs the events plugin (`requires: ['events']`) and brings `AuthorStats` as its own resource.
 * @example await bootstrap(app, { resources: [Article], plugins: [eventsPlugin(), articleEventsPlugin({ forwardTo: 'http://127.0.0.1:3001/' })] });
 */
export function articleEventsPlugin(options: ArticleEventsOptions = {}): StrataPlugin {
  // Set while the plugin itself writes AuthorStats: every other write of it is refused.
  const statsWriter = new AsyncLocalStorage<true>();
  // The article as it was just before a purge: a `purged` event carries no data.
  const beforePurge = new AsyncLocalStorage<ResourceView | undefined>();
  let forwarding = Promise.resolve();
  return definePlugin({
    name: 'article-events',
    requires: ['events'],
    resources: [AuthorStats],
    validate({ models }) {
      const article = models.find((model) => model.target === Article);
      if (article?.names.path !== ARTICLES) return [`Article must be among the resources, at /${ARTICLES}; add Article to bootstrap's resources`];
    },
    configure(context) {
      const events = context.require<EventsService>('events');

      context.hooks.around({ operations: 'purge', resources: [Article] }, async (hook, next) => {
        const page = await context.manager(Article).list({ where: { id: String(hook.input.id) }, deleted: 'include', limit: 1 });
        return beforePurge.run(page.items[0], next);
      });
      events.onAppend(async (event) => {
        if (event.resource !== ARTICLES) return;
        const change = countChange(event, beforePurge.getStore());
        if (change) await statsWriter.run(true, () => adjustCount(context, change.authorId, change.by));
      });
      context.hooks.before({ operations: WRITES, resources: [AuthorStats] }, () => {
        if (!statsWriter.getStore()) throw new StrataError('FORBIDDEN', 'AuthorStats is kept by the article-events plugin and cannot be written directly');
      });

      if (options.forwardTo !== undefined) {
        const url = options.forwardTo;
        events.on('*', (event) => {
          // One post at a time, in the order this process committed them; the listener returns at once.
          forwarding = forwarding.then(() => post(url, event)).catch((error: unknown) => {
            context.logger.warn('article-events: the receiver did not take an event; the change is committed regardless', {
              url, id: event.id, type: event.type, resourceId: event.resourceId, error: describe(error),
            });
          });
        }, { resource: ARTICLES });
      }
    },
    async stop() {
      await forwarding;
    },
  });
}

/**
 * What an article event does to its author's count. An article counts while it is live; its author
 * is who created it, which no later change alters, so updates, switches and publishes count nothing.
 */
function countChange(event: StrataEvent, purgedArticle?: ResourceView): { authorId: string; by: 1 | -1 } | undefined {
  const article = event.type === 'purged' ? (purgedArticle?.id === event.resourceId ? purgedArticle : undefined) : event.data;
  const authorId = article?._meta.createdBy;
  if (!article || !authorId) return undefined;   // an anonymous article counts for nobody
  switch (event.type) {
    case 'created': return article._meta.deleted ? undefined : { authorId, by: 1 };   // an import may create a deleted one
    case 'restored': return { authorId, by: 1 };
    case 'deleted': return { authorId, by: -1 };
    case 'purged': return article._meta.deleted ? undefined : { authorId, by: -1 };    // a deleted one no longer counted
    default: return undefined;
  }
}

/** Adds `by` to the author's count, creating their AuthorStats on their first article. */
async function adjustCount(context: PluginContext, authorId: string, by: 1 | -1): Promise<void> {
  const stats = context.manager(AuthorStats);
  const current = (await stats.list({ where: { authorId }, limit: 1 })).items[0];
  if (current) await stats.update(current.id, { authorId, articles: Number(current.articles) + by });
  else await stats.create({ authorId, articles: by });
}

/** An error's message, with its cause's when fetch wraps one (`fetch failed (connect ECONNREFUSED …)`). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}

/** POSTs `event` as JSON; anything but a 2xx within the timeout is an error. */
async function post(url: string, event: StrataEvent): Promise<void> {
  const response = await fetch(url, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(event), signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`it answered ${response.status}`);
}
