import type { Express, Request, Response } from 'express';
import express from 'express';
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path.js';

/** Where Swagger UI is served and what it shows. */
export interface SwaggerUiOptions {
  /** Path of the page, e.g. `/docs`; assets are served below it. */
  readonly docsPath: string;
  /** URL of the OpenAPI document the page loads. */
  readonly documentUrl: string;
  /** The page title. */
  readonly title: string;
}

/**
 * Serves Swagger UI from the installed swagger-ui-dist package (no CDN, works offline): the page at
 * `docsPath`, its own initializer pointing at the document, and the package's assets below it.
 * The initializer is a file rather than an inline script so a strict Content-Security-Policy works.
 */
export function mountSwaggerUi(app: Express, options: SwaggerUiOptions): void {
  const base = options.docsPath.replace(/\/$/, '');
  const page = indexHtml(base, options.title);
  const initializer = initializerScript(options.documentUrl);
  const send = (contentType: string, body: string) => (_request: Request, response: Response) => {
    response.type(contentType).send(body);
  };
  app.get([base, `${base}/`, `${base}/index.html`], send('html', page));
  // Registered before the static files so the package's own (petstore) initializer is never served.
  app.get(`${base}/swagger-initializer.js`, send('application/javascript', initializer));
  app.use(base, express.static(getAbsoluteFSPath(), { index: false, fallthrough: true }));
}

function indexHtml(docsPath: string, title: string): string {
  const base = escapeHtml(docsPath);
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>${escapeHtml(title)}</title>
    <link rel="stylesheet" type="text/css" href="${base}/swagger-ui.css">
    <link rel="stylesheet" type="text/css" href="${base}/index.css">
    <link rel="icon" type="image/png" href="${base}/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${base}/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="${base}/swagger-initializer.js" charset="UTF-8"></script>
  </body>
</html>
`;
}

function initializerScript(documentUrl: string): string {
  return `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(documentUrl)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
};
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
