import { DomainError, fail } from '../../domain/errors';
import { EventOrigin } from '../../domain/events';
import { Ledger } from '../ledger';
import { replayIfRepeated } from './request-replay';
import { UploadRequest, UploadTransfer } from './upload-transfer';

/** A retry of an upload that already happened: its body is read and dropped, the first result returned. */
export function replayedUpload(ledger: Ledger, origin: EventOrigin, requestId: string): UploadTransfer {
  const replay = () => replayIfRepeated(ledger, origin, 'UPLOAD', requestId, 'FileUploaded');
  return {
    refused: false,
    startsAt: 0,
    write: async () => undefined,
    finish: async () => (await replay()) ?? fail('INTERNAL', 'the original request vanished'),
    abort: async () => {
      await replay();
    },
    refuse: async () => {
      await replay();
    },
  };
}

/**
 * An upload refused before its body: the body is read and dropped, and the refusal is its one event.
 * `record` false: the refusal is recorded already (by the access guard). `dropsHeld`: the refusal ends the
 * resumable upload's held bytes, so the log says so.
 */
export function refusedUpload(
  ledger: Ledger,
  origin: EventOrigin,
  request: UploadRequest,
  error: DomainError,
  record = true,
  dropsHeld = false,
): UploadTransfer {
  const upload = dropsHeld ? request.resume?.upload : undefined;
  const reject = () => {
    if (record) ledger.reject(origin, 'UPLOAD', error, request.name, upload);
  };
  return {
    refused: true,
    startsAt: 0,
    write: async () => undefined,
    finish: async () => {
      await reject();
      return fail(error.code, error.message);
    },
    abort: async () => {
      await reject();
    },
    refuse: async () => {
      await reject();
    },
  };
}
