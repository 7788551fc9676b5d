import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { WitnessService } from '../../app/witness/witness-service';
import { Logger } from '../../domain/ports/logger.port';

/** An add-checkpoint body holds a note and at most 63 hashes: a few KiB. More is refused unread. */
export const MAX_REQUEST_BYTES = 16 * 1024;
const REQUEST_TIMEOUT_MS = 10_000;
const ADD_CHECKPOINT_PATH = '/add-checkpoint';

/** The witness over HTTP: C2SP tlog-witness's one call, `POST /add-checkpoint`, and nothing else. */
export class WitnessHttpServer {
  private readonly server: Server;

  constructor(
    private readonly witness: WitnessService,
    private readonly logger: Logger,
  ) {
    this.server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, (request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.logger.error('witness request failed', { error: String(error) });
        if (!response.headersSent) reply(response, 500, 'internal error\n');
        else response.destroy();
      });
    });
    this.server.keepAliveTimeout = REQUEST_TIMEOUT_MS;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops taking connections and closes idle ones; a request being answered finishes. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').split('?')[0];
    if (path !== ADD_CHECKPOINT_PATH) return reply(response, 404, `no ${path} here\n`);
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST');
      return reply(response, 405, 'add-checkpoint takes a POST\n');
    }
    const body = await readBody(request);
    if (body === undefined) {
      response.setHeader('Connection', 'close');
      return reply(response, 413, `a request body is at most ${MAX_REQUEST_BYTES} bytes\n`);
    }
    const answer = this.witness.addCheckpoint(body);
    reply(response, answer.status, answer.body, answer.sizeBody ? 'text/x.tlog.size' : undefined);
  }
}

/** The body as UTF-8, or undefined once it runs past the limit (the rest is not read). */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_REQUEST_BYTES) return undefined;
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request) {
    length += (chunk as Buffer).length;
    if (length > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function reply(response: ServerResponse, status: number, body: string, contentType?: string): void {
  response.writeHead(status, {
    'Content-Type': contentType ?? 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}
