import { parseRequest } from '../../../src/transport/codec/requests';
import { quoteWord, splitWords } from '../../../src/transport/codec/words';

const parse = (line: string) => parseRequest(Buffer.from(line, 'utf8'));

describe('parseRequest', () => {
  it('reads the six commands, case-insensitively', () => {
    expect(parse('help')).toEqual({ ok: true, request: { command: 'HELP' } });
    expect(parse('LIST reports/')).toEqual({ ok: true, request: { command: 'LIST', prefix: 'reports/' } });
    expect(parse('list')).toEqual({ ok: true, request: { command: 'LIST', prefix: '' } });
    expect(parse('LOGOUT')).toEqual({ ok: true, request: { command: 'LOGOUT' } });
    expect(parse('DELETE a.txt')).toEqual({ ok: true, request: { command: 'DELETE', name: 'a.txt' } });
    expect(parse('DOWNLOAD a.txt version=2')).toEqual({
      ok: true,
      request: { command: 'DOWNLOAD', name: 'a.txt', version: 2 },
    });
    const sha = 'a'.repeat(64);
    expect(parse(`UPLOAD "my file.txt" 12 sha256=${sha} if-version=0`)).toEqual({
      ok: true,
      request: { command: 'UPLOAD', name: 'my file.txt', size: 12, sha256: sha, ifVersion: 0 },
    });
  });

  it('reads resumable uploads, OFFSET and the trailing checksum', () => {
    expect(parse('UPLOAD big.iso 100 upload=u-7.a_b offset=40 trailer=sha256')).toEqual({
      ok: true,
      request: {
        command: 'UPLOAD',
        name: 'big.iso',
        size: 100,
        resume: { upload: 'u-7.a_b', offset: 40 },
        trailer: true,
      },
    });
    expect(parse('UPLOAD a 5 upload=u')).toMatchObject({ request: { resume: { upload: 'u', offset: 0 } } });
    expect(parse('UPLOAD a 5 offset=5 upload=u')).toMatchObject({ request: { resume: { offset: 5 } } });
    expect(parse('offset u-1')).toEqual({ ok: true, request: { command: 'OFFSET', upload: 'u-1' } });
  });

  it('reads the history commands, time travel and write guards', () => {
    expect(parse('LIST at=5')).toEqual({
      ok: true,
      request: { command: 'LIST', prefix: '', at: { kind: 'seq', seq: 5 } },
    });
    expect(parse('list docs/ at=2026-01-01T10:00:00+01:00')).toEqual({
      ok: true,
      request: { command: 'LIST', prefix: 'docs/', at: { kind: 'time', time: '2026-01-01T09:00:00.000Z' } },
    });
    expect(parse('STAT a')).toEqual({ ok: true, request: { command: 'STAT', name: 'a' } });
    expect(parse('HISTORY "a b"')).toEqual({ ok: true, request: { command: 'HISTORY', name: 'a b' } });
    expect(parse('RESTORE a 2 if-version=3 id=r-1')).toEqual({
      ok: true,
      request: { command: 'RESTORE', name: 'a', version: 2, ifVersion: 3, requestId: 'r-1' },
    });
    expect(parse('RENAME "old name" dir/new if-version=0 id=mv-1')).toEqual({
      ok: true,
      request: { command: 'RENAME', from: 'old name', to: 'dir/new', ifVersion: 0, requestId: 'mv-1' },
    });
    expect(parse('rename a b')).toEqual({ ok: true, request: { command: 'RENAME', from: 'a', to: 'b' } });
    expect(parse('DELETE a id=abc.DEF_1:2')).toEqual({
      ok: true,
      request: { command: 'DELETE', name: 'a', requestId: 'abc.DEF_1:2' },
    });
  });

  it.each([
    ['LIST at=yesterday'],
    ['LIST at=2026-01-01T10:00:00'],
    ['RESTORE a'],
    ['RESTORE a 0'],
    ['RESTORE a two'],
    ['RENAME a'],
    ['RENAME a b c'],
    ['RENAME a b if-version=x'],
    ['DELETE a id=has space'],
    ['DELETE a id="has space"'],
    ['UPLOAD a 1 id=' + 'x'.repeat(129)],
    ['STAT'],
    ['HISTORY a b'],
  ])('refuses %j with BAD_REQUEST', (line) => {
    expect(parse(line)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('expresses any name: spaces, quotes, backslashes, UTF-8, and option look-alikes', () => {
    for (const name of ['a b', 'say "hi"', 'back\\slash', 'résumé/日本語.txt', 'size=3', '"', 'a  b']) {
      const result = parse(`DELETE ${quoteWord(name)}`);
      expect(result).toEqual({ ok: true, request: { command: 'DELETE', name } });
    }
  });

  it('refuses a RENAME to a bad name with BAD_NAME, reporting the source name', () => {
    expect(parse('RENAME a ../b')).toMatchObject({
      ok: false,
      command: 'RENAME',
      name: 'a',
      error: { code: 'BAD_NAME' },
    });
  });

  it('reads USER KEY ADD, LIST and REMOVE', () => {
    const line = 'ssh-ed25519 AAAAC3Nz my key';
    expect(parse(`USER KEY ADD alice "${line}"`)).toEqual({
      ok: true,
      request: { command: 'USER', account: { action: 'key-add', user: 'alice', key: line } },
    });
    expect(parse('user key list alice')).toEqual({
      ok: true,
      request: { command: 'USER', account: { action: 'key-list', user: 'alice' } },
    });
    expect(parse('USER KEY REMOVE alice SHA256:abc+/d')).toEqual({
      ok: true,
      request: {
        command: 'USER',
        account: {
          action: 'change',
          change: { action: 'key-remove', user: 'alice', fingerprint: 'SHA256:abc+/d' },
        },
      },
    });
  });

  it.each([
    ['USER KEY'],
    ['USER KEY ADD alice'],
    ['USER KEY LIST'],
    ['USER KEY DROP alice x'],
    ['USER KEY LIST alice extra'],
  ])('refuses %j with BAD_REQUEST, echoing nothing', (line) => {
    expect(parse(line)).toMatchObject({
      ok: false,
      command: 'USER',
      name: undefined,
      error: { code: 'BAD_REQUEST' },
    });
  });

  it('refuses unknown commands with UNKNOWN_COMMAND', () => {
    expect(parse('FROB x')).toMatchObject({ ok: false, command: 'FROB', error: { code: 'UNKNOWN_COMMAND' } });
  });

  it.each([
    ['UPLOAD', 'BAD_REQUEST'],
    ['UPLOAD a.txt -1', 'BAD_REQUEST'],
    ['UPLOAD a.txt 1e3', 'BAD_REQUEST'],
    ['UPLOAD a.txt 10 sha256=XYZ', 'BAD_REQUEST'],
    ['UPLOAD a.txt 10 colour=red', 'BAD_REQUEST'],
    ['UPLOAD a.txt 10 upload=sftp:a.txt', 'BAD_REQUEST'],
    ['UPLOAD a.txt 10 upload=' + 'u'.repeat(129), 'BAD_REQUEST'],
    ['OFFSET', 'BAD_REQUEST'],
    ['OFFSET a:b', 'BAD_REQUEST'],
    ['OFFSET a b', 'BAD_REQUEST'],
    ['DELETE', 'BAD_REQUEST'],
    ['DELETE a b', 'BAD_REQUEST'],
    ['DELETE "a', 'BAD_REQUEST'],
    ['DELETE a\\b', 'BAD_REQUEST'],
    ['DOWNLOAD a version=0', 'BAD_REQUEST'],
    ['DOWNLOAD a version=1 version=2', 'BAD_REQUEST'],
    ['DELETE ../etc/passwd', 'BAD_NAME'],
    ['DELETE a//b', 'BAD_NAME'],
    ['DELETE /abs', 'BAD_NAME'],
    ['HELP me', 'BAD_REQUEST'],
  ])('refuses %j with %s', (line, code) => {
    expect(parse(line)).toMatchObject({ ok: false, error: { code } });
  });

  it('still reports the body length of an UPLOAD it refuses, so the stream stays in step', () => {
    expect(parse('UPLOAD ../x 42')).toMatchObject({
      ok: false,
      name: '../x',
      bodyLength: 42,
      error: { code: 'BAD_NAME' },
    });
    expect(parse('UPLOAD ok.txt 42 sha256=zz')).toMatchObject({ ok: false, bodyLength: 42 });
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(parseRequest(Buffer.from([0x44, 0xff, 0xfe]))).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
  });

  it('never throws on random lines', () => {
    for (let run = 0; run < 2000; run++) {
      const bytes = Buffer.alloc(1 + Math.floor(Math.random() * 40));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
      expect(() => parseRequest(bytes)).not.toThrow();
    }
  });
});

describe('splitWords', () => {
  it('separates options from text words', () => {
    expect(splitWords('A  "b c"\tk=v k2="x y"')).toEqual([
      { kind: 'text', text: 'A' },
      { kind: 'text', text: 'b c' },
      { kind: 'option', key: 'k', value: 'v' },
      { kind: 'option', key: 'k2', value: 'x y' },
    ]);
  });
});
