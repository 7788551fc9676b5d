import { WitnessClient, WitnessReply } from '../../domain/ports/witness-client.port';

/** An answer is a few signature lines or a size: more is not read. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** add-checkpoint over HTTP(S) with Node's fetch, which keeps connections alive between submissions. */
export class HttpWitnessClient implements WitnessClient {
  constructor(private readonly timeoutMs: number) {}

  async addCheckpoint(url: string, body: string, signal: AbortSignal): Promise<WitnessReply> {
    // Aborted by the caller or by the timeout, whichever comes first (AbortSignal.any is Node 20.3+).
    if (signal.aborted) throw new Error('the submission was abandoned');
    const abort = new AbortController();
    const stop = () => abort.abort();
    const timer = setTimeout(stop, this.timeoutMs);
    signal.addEventListener('abort', stop);
    try {
      const response = await fetch(`${url.replace(/\/+$/, '')}/add-checkpoint`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        // A witness is its URL: a redirect elsewhere is no answer from it.
        redirect: 'error',
        signal: abort.signal,
      });
      return { status: response.status, body: await readAtMost(response, MAX_ANSWER_BYTES) };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
    }
  }
}

/** The body as UTF-8, cut at `limit` bytes: a witness cannot make the log hold an endless answer. */
async function readAtMost(response: Response, limit: number): Promise<string> {
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
      if (length >= limit) break;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}
