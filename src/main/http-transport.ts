import { randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { ContractError, EVENT_NAMES, isMethodName, parseInput, type ApiError, type EventName, type QuarryBackend } from '../shared/contract.js';
import { toApiError } from './api-error.js';

export interface HttpOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Loopback only: 127.0.0.1 (default), ::1 or localhost. */
  host?: string;
  /** The built renderer to serve; without it only the API is served. */
  rendererDir?: string;
  /** Fixed token (tests); by default a random one per run. */
  token?: string;
  /** Called on every API call and event stream opened (an engine's idle clock). */
  onRequest?: () => void;
  /** Prometheus's text format for `GET /metrics` (with the token, like the API); without it, no such route. */
  metrics?: () => Promise<string>;
}

export interface HttpServer {
  /** The page to open, token included. */
  url: string;
  port: number;
  token: string;
  /** Event streams open now: a client following progress keeps an engine busy. */
  openStreams(): number;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);
const MAX_BODY_BYTES = 1024 * 1024;
/** The page may load only its own scripts and talk only to this server. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/**
 * Browser mode's transport: the contract over HTTP on loopback. Every API call needs the per-run
 * token; the Host header must name this server (no DNS rebinding) and a browser's Origin must be
 * this server's own. Push events stream over server-sent events.
 */
export async function serveHttp(service: QuarryBackend, options: HttpOptions = {}): Promise<HttpServer> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host)) {
    throw new Error(`Refusing to listen on ${host}: browser mode serves your code to anyone who can reach it, so it binds to loopback only`);
  }
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const sockets = new Set<Socket>();
  const streams = new Set<http.ServerResponse>();
  /** The Host (and Origin) names of this server, set once it listens. */
  let allowedHosts = new Set<string>();
  const hasToken = (request: http.IncomingMessage, url: URL): boolean => {
    const header = request.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice(7) : url.searchParams.get('token');
    if (!given) return false;
    const bytes = Buffer.from(given);
    return bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes);
  };

  const server = http.createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: toApiError(error) });
      else response.destroy();
    });
  });

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (!allowedHosts.has(request.headers.host ?? '')) return sendJson(response, 403, { error: forbidden('unexpected Host header') });
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedHosts.has(origin.replace(/^http:\/\//, ''))) {
      return sendJson(response, 403, { error: forbidden(`requests from ${origin} are not allowed`) });
    }
    const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
    if (url.pathname === '/metrics' && options.metrics) return serveMetrics(options.metrics, request, response, url);
    if (!url.pathname.startsWith('/api/')) return serveStatic(url.pathname, request, response);
    if (!hasToken(request, url)) return sendJson(response, 401, { error: { code: 'BAD_REQUEST', message: 'missing or wrong token: open the URL Quarry printed' } });
    options.onRequest?.();
    if (url.pathname === '/api/events' && request.method === 'GET') return openEventStream(request, response);
    const name = url.pathname.slice('/api/'.length);
    if (!isMethodName(name)) return sendJson(response, 404, { error: { code: 'BAD_REQUEST', message: `no such method: ${name}` } });
    if (request.method !== 'POST') return sendJson(response, 405, { error: { code: 'BAD_REQUEST', message: 'API methods are called with POST' } });
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
      return sendJson(response, 415, { error: { code: 'BAD_REQUEST', message: 'send the input as application/json' } });
    }
    try {
      let body: unknown;
      try {
        body = JSON.parse(await readBody(request));
      } catch (error) {
        throw new ContractError(`the request body is not JSON: ${(error as Error).message}`);
      }
      const input = parseInput(name, body);
      const call = service[name] as unknown as (input: unknown) => Promise<unknown>;
      sendJson(response, 200, { result: await call.call(service, input) });
    } catch (error) {
      const apiError = toApiError(error);
      sendJson(response, apiError.code === 'INTERNAL' ? 500 : 400, { error: apiError });
    }
  }

  function openEventStream(request: http.IncomingMessage, response: http.ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    response.write(': connected\n\n');
    const listeners = EVENT_NAMES.map((event) => {
      const listener = (payload: unknown): void => {
        response.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
      };
      service.on(event, listener as never);
      return [event, listener] as const;
    });
    streams.add(response);
    request.on('close', () => {
      streams.delete(response);
      for (const [event, listener] of listeners) service.off(event as EventName, listener as never);
    });
  }

  async function serveMetrics(metrics: () => Promise<string>, request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<void> {
    if (!hasToken(request, url)) return sendJson(response, 401, { error: { code: 'BAD_REQUEST', message: 'missing or wrong token: read it from the engine file' } });
    if (request.method !== 'GET') return sendJson(response, 405, { error: { code: 'BAD_REQUEST', message: 'metrics are read with GET' } });
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
    response.end(await metrics());
  }

  async function serveStatic(pathname: string, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return sendJson(response, 405, { error: { code: 'BAD_REQUEST', message: 'method not allowed' } });
    if (!options.rendererDir) return sendJson(response, 404, { error: { code: 'BAD_REQUEST', message: 'this server has no user interface' } });
    const root = path.resolve(options.rendererDir);
    let file = path.resolve(root, '.' + decodeURIComponent(pathname));
    if (!file.startsWith(root + path.sep) && file !== root) return sendJson(response, 404, { error: { code: 'BAD_REQUEST', message: 'not found' } });
    // The app is one page: any path that is not a file is the page itself.
    const stat = await fs.stat(file).catch(() => null);
    if (!stat?.isFile()) file = path.join(root, 'index.html');
    const body = await fs.readFile(file).catch(() => null);
    if (!body) return sendJson(response, 404, { error: { code: 'BAD_REQUEST', message: 'the user interface is not built: run `npm run build`' } });
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': file.endsWith('.html') ? 'no-store' : 'max-age=3600',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const urlHost = host === '::1' ? '[::1]' : host;
  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    port,
    token,
    openStreams: () => streams.size,
    close: async () => {
      for (const stream of streams) stream.end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

function forbidden(message: string): ApiError {
  return { code: 'BAD_REQUEST', message: `forbidden: ${message}` };
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  response.end(JSON.stringify(body));
}

async function readBody(request: http.IncomingMessage): Promise<string> {
  let size = 0;
  const parts: Buffer[] = [];
  for await (const part of request as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > MAX_BODY_BYTES) throw new RangeError('request body too large');
    parts.push(part);
  }
  return Buffer.concat(parts).toString('utf8') || '{}';
}
