import http from 'node:http';

/** One request of a load run: method, path and an optional JSON body. */
export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

/** What a load run measured. */
export interface LoadResult {
  requestsPerSecond: number;
  /** Responses whose status was not the expected one (the run is invalid when > 0). */
  failures: number;
  firstFailure?: string;
}

/**
 * Sends `count` requests to `http://127.0.0.1:port` from `concurrency` keep-alive clients, each
 * sending its next request as soon as the previous answer is read, and returns requests per second
 * over the whole run. `requestOf(i)` gives the i-th request; every answer must have `expectedStatus`.
 */
export async function runLoad(port: number, count: number, concurrency: number, expectedStatus: number, requestOf: (index: number) => LoadRequest): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const client = async () => {
    while (next < count) {
      const index = next++;
      const request = requestOf(index);
      const { status, text } = await send(agent, port, request);
      if (status !== expectedStatus) {
        failures++;
        firstFailure ??= `${request.method} ${request.path} → ${status}: ${text.slice(0, 300)}`;
      }
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, client));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { requestsPerSecond: count / seconds, failures, firstFailure };
}

/** One request over the agent; resolves with the status and the body text. */
function send(agent: http.Agent, port: number, request: LoadRequest): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
    const outgoing = http.request({
      host: '127.0.0.1', port, agent, method: request.method, path: request.path,
      headers: payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}
