/**
 * SFTP paths are what a client sees: `/` is the account's home (its prefix, e.g. `alice/`) or, without
 * one, the whole catalogue. `..` stops at `/`, so no path names anything outside the home.
 */
export class PathView {
  constructor(private readonly home: string) {}

  /** `/a/b`, with `.`, `..`, repeated and trailing slashes resolved; relative paths start at `/`. */
  static canonical(path: string): string {
    const segments: string[] = [];
    for (const segment of path.split('/')) {
      if (segment === '' || segment === '.') continue;
      if (segment === '..') segments.pop();
      else segments.push(segment);
    }
    return `/${segments.join('/')}`;
  }

  /** The catalogue name a path stands for; '' for the root. */
  nameOf(path: string): string {
    const relative = PathView.canonical(path).slice(1);
    return relative === '' ? '' : `${this.home}${relative}`;
  }

  /** The LIST prefix of the folder a path names: '' or the home for the root, else `name/`. */
  folderPrefixOf(path: string): string {
    const name = this.nameOf(path);
    return name === '' ? this.home : `${name}/`;
  }
}
