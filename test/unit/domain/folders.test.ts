import { Catalogue } from '../../../src/domain/catalogue';
import { FerryEvent } from '../../../src/domain/events';
import {
  decideCreateFolder,
  decideRemoveFolder,
  folderExists,
  FolderPath,
  parseFolderPath,
} from '../../../src/domain/folders';
import { eventFactory, foldInto, shaOf } from '../../support/domain-events';
import { codeOf, valueOf } from '../../support/results';

const folder = (raw: string): FolderPath => valueOf(parseFolderPath(raw));

/** docs/a.txt is live; docs/old.txt is deleted; empty/ and empty/inner/ and lone/ are explicit folders. */
function catalogue(): Catalogue {
  const f = eventFactory();
  const upload = (name: string) => f.make('FileUploaded', { name, version: 1, sha256: shaOf(name), size: 1 });
  const events: FerryEvent[] = [
    upload('docs/a.txt'),
    upload('docs/old.txt'),
    f.make('FileDeleted', { name: 'docs/old.txt', version: 1 }),
    upload('file'),
    f.make('FolderCreated', { path: 'empty/' }),
    f.make('FolderCreated', { path: 'empty/inner/' }),
    f.make('FolderCreated', { path: 'lone/' }),
  ];
  return foldInto(new Catalogue(), events);
}

describe('parseFolderPath', () => {
  it('ends a valid name with one /, whether or not it came with it', () => {
    expect(valueOf(parseFolderPath('a/b'))).toBe('a/b/');
    expect(valueOf(parseFolderPath('a/b/'))).toBe('a/b/');
  });

  it.each([[''], ['/'], ['a//'], ['../x/'], ['a/./b']])('refuses %j with BAD_NAME', (raw) => {
    expect(codeOf(parseFolderPath(raw))).toBe('BAD_NAME');
  });
});

describe('folderExists', () => {
  it('holds for an explicit folder, and for a prefix of a live name at a / only', () => {
    const c = catalogue();
    expect(folderExists(c, 'empty/')).toBe(true);
    expect(folderExists(c, 'empty/inner/')).toBe(true);
    expect(folderExists(c, 'docs/')).toBe(true);
    expect(folderExists(c, 'nothing/')).toBe(false);
    expect(folderExists(c, 'file/')).toBe(false);
  });
});

describe('decideCreateFolder', () => {
  it('makes a new folder, also inside an explicit one or inside one that does not exist', () => {
    expect(valueOf(decideCreateFolder(folder('new'), catalogue()))).toEqual({ path: 'new/' });
    expect(valueOf(decideCreateFolder(folder('empty/more'), catalogue()))).toEqual({ path: 'empty/more/' });
    expect(valueOf(decideCreateFolder(folder('x/y/z'), catalogue()))).toEqual({ path: 'x/y/z/' });
  });

  it('refuses with CONFLICT a folder that exists, explicitly or because of a live name', () => {
    expect(codeOf(decideCreateFolder(folder('empty'), catalogue()))).toBe('CONFLICT');
    expect(codeOf(decideCreateFolder(folder('docs'), catalogue()))).toBe('CONFLICT');
  });

  it('refuses with CONFLICT a folder named as a live file', () => {
    expect(codeOf(decideCreateFolder(folder('file'), catalogue()))).toBe('CONFLICT');
  });

  it('allows a folder where only deleted names were', () => {
    const f = eventFactory();
    const c = foldInto(new Catalogue(), [
      f.make('FileUploaded', { name: 'gone/x', version: 1, sha256: shaOf('x'), size: 1 }),
      f.make('FileDeleted', { name: 'gone/x', version: 1 }),
    ]);
    expect(valueOf(decideCreateFolder(folder('gone'), c))).toEqual({ path: 'gone/' });
  });
});

describe('decideRemoveFolder', () => {
  it('removes an empty explicit folder', () => {
    expect(valueOf(decideRemoveFolder(folder('lone'), catalogue()))).toEqual({ path: 'lone/' });
    expect(valueOf(decideRemoveFolder(folder('empty/inner'), catalogue()))).toEqual({ path: 'empty/inner/' });
  });

  it('refuses with CONFLICT a folder holding a live name or an explicit folder', () => {
    expect(codeOf(decideRemoveFolder(folder('docs'), catalogue()))).toBe('CONFLICT');
    expect(codeOf(decideRemoveFolder(folder('empty'), catalogue()))).toBe('CONFLICT');
  });

  it('refuses with NOT_FOUND a folder that does not exist', () => {
    expect(codeOf(decideRemoveFolder(folder('nothing'), catalogue()))).toBe('NOT_FOUND');
  });

  it('once removed, the folder is gone and its parent becomes removable', () => {
    const f = eventFactory(100);
    const c = catalogue();
    foldInto(c, [f.make('FolderRemoved', valueOf(decideRemoveFolder(folder('empty/inner'), c)))]);
    expect(folderExists(c, 'empty/inner/')).toBe(false);
    expect(valueOf(decideRemoveFolder(folder('empty'), c))).toEqual({ path: 'empty/' });
  });
});
