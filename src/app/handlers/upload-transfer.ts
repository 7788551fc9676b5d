import { Outcome } from '../../domain/catalogue';
import { DomainError, Result } from '../../domain/errors';
import { FileName } from '../../domain/names';

export interface UploadRequest {
  readonly name: FileName;
  /**
   * The declared size, checked before a byte is stored. Undefined when the transport cannot know it up front
   * (SFTP writes a file piece by piece): then the size limit is enforced as bytes arrive, and quota and the
   * recorded size come from the bytes received, at finish.
   */
  readonly size?: number;
  readonly sha256?: string;
  readonly ifVersion?: number;
  readonly requestId?: string;
  /**
   * Append (SFTP `reput`): the new version starts with the live version's bytes, and the body is what
   * follows them. Published only if that version is still the live one. With no live version, an upload.
   */
  readonly append?: boolean;
  /**
   * A resumable upload: should its connection go, its bytes are held under `upload` (an id of the
   * actor's choosing) and a later attempt continues at `offset`, which must be where they end (0 starts
   * afresh, dropping any). `size` is then the whole file's, and the body what follows `offset`.
   */
  readonly resume?: ResumePoint;
}

export interface ResumePoint {
  readonly upload: string;
  readonly offset: number;
}

/**
 * One upload in flight: bytes stream into the store, and `finish` decides and records. Exactly one event
 * comes out of every transfer, whichever of `finish` or `abort` ends it.
 */
export interface UploadTransfer {
  /** Refused before the body: its bytes will be read and dropped, never stored. */
  readonly refused: boolean;
  /** Bytes the file holds before the body's first: the appended-to version's size, the offset resumed at, or 0. */
  readonly startsAt: number;
  write(chunk: Uint8Array): Promise<void>;
  /** `sha256`: the client's digest of the whole file, sent after the body (a trailing checksum). */
  finish(sha256?: string): Promise<Result<Outcome<'FileUploaded'>>>;
  /** The body will never be complete (the peer went away); a resumable upload's bytes are held. */
  abort(received: number): Promise<void>;
  /** The client gave the upload up (a gap it never filled, a truncation): refused, nothing held. */
  refuse(error: DomainError): Promise<void>;
}
