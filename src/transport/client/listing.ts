import { readWords } from '../codec/replies';
import { splitWords } from '../codec/words';

export interface ListedFile {
  readonly name: string;
  readonly version: number;
  readonly size: number;
  readonly sha256: string;
  readonly at: string;
  readonly by: string;
}

/** Reads one LIST line: `<name> version=N size=N sha256=H at=T by=A`. */
export function parseListing(line: string): ListedFile {
  const { texts, fields } = readWords(splitWords(line));
  return {
    name: texts[0] ?? '',
    version: Number(fields.get('version')),
    size: Number(fields.get('size')),
    sha256: fields.get('sha256') ?? '',
    at: fields.get('at') ?? '',
    by: fields.get('by') ?? '',
  };
}
