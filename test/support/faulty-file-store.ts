import {
  BlobDigest,
  BlobWriter,
  ByteRange,
  FileStore,
  HeldBlobWriter,
  StoreError,
} from '../../src/domain/ports/file-store.port';

/** The store's operations a fault can be put on; `read` is each chunk of a read, the first included. */
export type StoreOperation =
  'begin' | 'beginHeld' | 'write' | 'seal' | 'commit' | 'hold' | 'abort' | 'read' | 'has';

export interface Fault {
  /** The error the operation fails with, as the disk store reports it; none: it is only delayed. */
  readonly error?: 'ENOSPC' | 'EIO';
  /** Waits this long before the operation (and before its failure). */
  readonly delayMs?: number;
  /** Calls of the operation that pass untouched before the fault strikes. */
  readonly after?: number;
  /** How many calls it strikes, then it is gone; for ever if not given. */
  readonly times?: number;
}

/**
 * A FileStore that passes everything to a real one, except the operations a test puts a fault on: they
 * fail as the disk store would on a full disk (ENOSPC) or a failing one (EIO), or are slowed down.
 * Bound through the container like any store, so the server under test cannot tell.
 */
export class FaultyFileStore implements FileStore {
  private readonly faults = new Map<StoreOperation, { fault: Fault; seen: number; struck: number }>();

  constructor(private readonly inner: FileStore) {}

  /** Puts `fault` on `operation`, replacing any fault it had. */
  inject(operation: StoreOperation, fault: Fault): void {
    this.faults.set(operation, { fault, seen: 0, struck: 0 });
  }

  /** How many times the fault on `operation` struck. */
  struck(operation: StoreOperation): number {
    return this.faults.get(operation)?.struck ?? 0;
  }

  heal(): void {
    this.faults.clear();
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async begin(expectedSize?: number): Promise<BlobWriter> {
    await this.trip('begin');
    return this.writer(await this.inner.begin(expectedSize));
  }

  async beginHeld(id: string, keep: number): Promise<HeldBlobWriter> {
    await this.trip('beginHeld');
    const writer = await this.inner.beginHeld(id, keep);
    return {
      ...this.writer(writer),
      heldBefore: writer.heldBefore,
      hold: async () => {
        await this.trip('hold');
        return writer.hold();
      },
    };
  }

  release(id: string): Promise<void> {
    return this.inner.release(id);
  }

  releaseHeldExcept(ids: ReadonlySet<string>): Promise<void> {
    return this.inner.releaseHeldExcept(ids);
  }

  async *read(sha256: string, range?: ByteRange): AsyncIterable<Uint8Array> {
    await this.trip('read');
    for await (const chunk of this.inner.read(sha256, range)) {
      yield chunk;
      await this.trip('read');
    }
  }

  async has(sha256: string): Promise<boolean> {
    await this.trip('has');
    return this.inner.has(sha256);
  }

  delete(sha256: string): Promise<void> {
    return this.inner.delete(sha256);
  }

  list(): AsyncIterable<string> {
    return this.inner.list();
  }

  private writer(inner: BlobWriter): BlobWriter {
    return {
      write: async (chunk) => {
        await this.trip('write');
        return inner.write(chunk);
      },
      seal: async (): Promise<BlobDigest> => {
        await this.trip('seal');
        return inner.seal();
      },
      commit: async () => {
        await this.trip('commit');
        return inner.commit();
      },
      abort: async () => {
        // The bytes are dropped either way, as when a real unlink fails after the file was closed.
        await inner.abort();
        await this.trip('abort');
      },
    };
  }

  private async trip(operation: StoreOperation): Promise<void> {
    const armed = this.faults.get(operation);
    if (!armed) return;
    const { fault } = armed;
    if (armed.seen++ < (fault.after ?? 0)) return;
    if (fault.times !== undefined && armed.struck >= fault.times) return;
    armed.struck++;
    if (fault.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault.error === 'ENOSPC') throw new StoreError('full', 'ENOSPC: no space left on device (injected)');
    if (fault.error === 'EIO') throw new StoreError('io', 'EIO: i/o error (injected)');
  }
}
