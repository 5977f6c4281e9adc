import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Express, Request, RequestHandler, Response } from 'express';

const require = createRequire(import.meta.url);

/**
 * The files GraphiQL needs, from installed packages (no CDN, works offline): graphiql 3's browser
 * bundle and stylesheet, and the React 18 UMD builds it runs on. Only these are served.
 */
const ASSETS: Record<string, string> = {
  'react.production.min.js': join(dirname(require.resolve('react/package.json')), 'umd', 'react.production.min.js'),
  'react-dom.production.min.js': join(dirname(require.resolve('react-dom/package.json')), 'umd', 'react-dom.production.min.js'),
  'graphiql.min.js': require.resolve('graphiql/graphiql.min.js'),
  'graphiql.min.css': require.resolve('graphiql/graphiql.min.css'),
};

/**
 * Serves GraphiQL: the page (returned, for the endpoint to answer a browser's GET of `path` with)
 * and its assets below `<path>/graphiql/`. The start-up script is a file rather than an inline
 * script so a strict Content-Security-Policy works.
 * @example const page = mountGraphiql(app, '/graphql');
 */
export function mountGraphiql(app: Express, path: string): RequestHandler {
  const base = `${path}/graphiql`;
  const page = pageHtml(base);
  const script = startScript(path);
  const styles = 'html, body, #graphiql { height: 100%; margin: 0; }\n';
  const send = (contentType: string, body: string) => (_request: Request, response: Response) => {
    response.type(contentType).setHeader('Cache-Control', 'no-cache');
    response.send(body);
  };
  app.get(`${base}/start.js`, send('application/javascript', script));
  app.get(`${base}/page.css`, send('text/css', styles));
  app.get(`${base}/:file`, (request, response, next) => {
    const file = ASSETS[request.params.file];
    if (!file) return next();
    response.sendFile(file, { maxAge: '1d' });
  });
  return send('html', page);
}

function pageHtml(base: string): string {
  const href = escapeHtml(base);
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>GraphiQL</title>
    <link rel="stylesheet" href="${href}/graphiql.min.css">
    <link rel="stylesheet" href="${href}/page.css">
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script src="${href}/react.production.min.js"></script>
    <script src="${href}/react-dom.production.min.js"></script>
    <script src="${href}/graphiql.min.js"></script>
    <script src="${href}/start.js"></script>
  </body>
</html>
`;
}

function startScript(endpoint: string): string {
  return `(function () {
  var fetcher = GraphiQL.createFetcher({ url: ${JSON.stringify(endpoint)} });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, { fetcher: fetcher }));
})();
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
