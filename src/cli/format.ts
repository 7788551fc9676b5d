import { ListedFile } from '../transport/client/listing';

/** A listing a person can read: size, version, time, name. */
export function formatListing(files: readonly ListedFile[]): string {
  if (files.length === 0) return '';
  const width = Math.max(...files.map((f) => String(f.size).length));
  return files.map((f) => `${String(f.size).padStart(width)}  v${f.version}  ${f.at}  ${f.name}\n`).join('');
}
