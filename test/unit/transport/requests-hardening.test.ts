import { isSecretBearing, parseRequest } from '../../../src/transport/codec/requests';

const parse = (line: string | Buffer) =>
  parseRequest(typeof line === 'string' ? Buffer.from(line, 'utf8') : line);

const latin1 = (text: string) => Buffer.from(text, 'latin1');

describe('parseRequest framing of refused UPLOADs', () => {
  it.each([
    ['invalid UTF-8 in the name', latin1('UPLOAD \xff\xfe.txt 14')],
    ['invalid UTF-8, lower case command', latin1('upload \xff.txt 14')],
    ['a backslash outside quotes', 'UPLOAD a\\b.txt 14'],
    ['an unclosed quote', 'UPLOAD "a.txt 14'],
    ['a bad escape in quotes', 'UPLOAD "a\\x" 14'],
    ['a repeated option', 'UPLOAD a.txt 14 sha256=1 sha256=2'],
    ['a positional word after an option', 'UPLOAD a.txt id=1 14'],
    ['no name and no size', 'UPLOAD'],
    ['a missing size', 'UPLOAD a.txt'],
    ['a non-numeric size', 'UPLOAD a.txt lots'],
    ['a negative size', 'UPLOAD a.txt -1'],
    ['a size in exponent form', 'UPLOAD a.txt 1e3'],
    ['a quoted command word', '"UPLOAD" a\\b 14'],
    ['a partly quoted command word', 'UP"LOAD" "a 14'],
    ['leading spaces and tabs', ' \t UpLoAd a\\b 14'],
  ])('loses the framing on %s', (_label, line) => {
    expect(parseRequest(typeof line === 'string' ? Buffer.from(line, 'utf8') : line)).toMatchObject({
      ok: false,
      bodyLength: 0,
      framingLost: true,
    });
  });

  it('keeps the framing when the size was read, whatever else is wrong', () => {
    expect(parse('UPLOAD ../x 14')).toEqual({
      ok: false,
      command: 'UPLOAD',
      name: '../x',
      error: expect.objectContaining({ code: 'BAD_NAME' }),
      bodyLength: 14,
      trailer: false,
      framingLost: false,
    });
    expect(parse('UPLOAD ../x 14 offset=4 upload=u trailer=sha256')).toMatchObject({
      ok: false,
      bodyLength: 10,
      trailer: true,
      framingLost: false,
    });
    for (const line of [
      'UPLOAD ok.txt 42 offset=x upload=u',
      'UPLOAD ok.txt 42 trailer=crc',
      'UPLOAD ok.txt 4 offset=5 upload=u',
    ]) {
      expect(parse(line)).toMatchObject({ ok: false, framingLost: true });
    }
    expect(parse('UPLOAD ok.txt 42 offset=2')).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST', message: 'offset= resumes an upload: it needs upload=' },
      bodyLength: 40,
      framingLost: false,
    });
    expect(parse('UPLOAD ok.txt 42 sha256=zz')).toMatchObject({
      ok: false,
      bodyLength: 42,
      framingLost: false,
    });
    expect(parse('UPLOAD ok.txt 42 colour=red')).toMatchObject({
      ok: false,
      bodyLength: 42,
      framingLost: false,
    });
    expect(parse('UPLOAD ok.txt 42 extra')).toMatchObject({ ok: false, bodyLength: 42, framingLost: false });
    expect(parse('UPLOAD ../x 0')).toMatchObject({ ok: false, bodyLength: 0, framingLost: false });
  });

  it.each([
    ['a bad name', 'DELETE ../x'],
    ['an unclosed quote', 'DELETE "a'],
    ['a backslash outside quotes', 'DOWNLOAD a\\b'],
    ['invalid UTF-8', latin1('DELETE \xff')],
    ['an unknown command', 'UPLOADS a 5'],
    ['an unknown command that starts with invalid UTF-8', latin1('\xffUPLOAD a 5')],
    ['an unknown command that ends with invalid UTF-8', latin1('UPLOAD\xff a 5')],
    ['a line that starts with an option', 'upload=1 a 5'],
  ])('does not lose the framing for a non-UPLOAD line with %s', (_label, line) => {
    expect(parseRequest(typeof line === 'string' ? Buffer.from(line, 'utf8') : line)).toMatchObject({
      ok: false,
      bodyLength: 0,
      framingLost: false,
    });
  });

  it('accepts well-formed UPLOADs as before', () => {
    expect(parse('UPLOAD a.txt 3')).toEqual({
      ok: true,
      request: { command: 'UPLOAD', name: 'a.txt', size: 3 },
    });
  });
});

describe('parseRequest refusals of secret-bearing lines', () => {
  const SECRET = /s3cret|se.?cret|hunter2|alice|bob/i;

  it.each([
    ['LOGIN alice "unclosed s3cret', 'LOGIN'],
    ['LOGIN alice se\\cret', 'LOGIN'],
    ['login alice "bad \\escape s3cret"', 'LOGIN'],
    ['LOGIN alice s3cret extra hunter2', 'LOGIN'],
    ['LOGIN alice password=s3cret password=hunter2', 'LOGIN'],
    ['LOGIN k=v alice s3cret', 'LOGIN'],
    ['"LOGIN alice s3cret"', 'LOGIN'],
    ['LOGIN" alice s3cret"', 'LOGIN'],
    ['LOG\u0131N alice "s3cret', 'LOGIN'],
    ['USER ADD bob password=s3cret extra junk', 'USER'],
    ['USER ADD bob role=admin password="s3cret', 'USER'],
    ['user passwd bob password=s3cret password=hunter2', 'USER'],
    ['USER PASSWD bob password=se\\cret', 'USER'],
    ['U\u017FER ADD bob "s3cret', 'USER'],
  ])('never echoes the arguments of %j', (line, command) => {
    const result = parse(line);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.command).toBe(command);
    expect(result.name).toBeUndefined();
    expect(result.error.message).not.toMatch(SECRET);
    expect(result.framingLost).toBe(false);
    expect(result.bodyLength).toBe(0);
  });

  it('does so on lines that are not UTF-8 too', () => {
    const result = parseRequest(latin1('LOGIN alice s3cret\xff'));
    expect(result).toMatchObject({ ok: false, command: 'LOGIN', error: { code: 'BAD_REQUEST' } });
    if (!result.ok) expect(result.error.message).not.toMatch(SECRET);
  });

  it('uses a fixed message that names only the command', () => {
    expect(parse('LOGIN alice "s3cret')).toMatchObject({
      error: { code: 'BAD_REQUEST', message: 'LOGIN needs a user name and a password' },
    });
    expect(parse('USER ADD bob "s3cret')).toMatchObject({
      error: { code: 'BAD_REQUEST', message: 'bad USER request' },
    });
  });

  it('keeps the fixed messages of account rules, which quote nothing of the line', () => {
    const role = parse('USER ADD bob role=boss password=s3cret');
    expect(role).toMatchObject({ error: { code: 'BAD_REQUEST', message: 'a role is read, write or admin' } });
    const home = parse('USER ADD bob role=read prefix=home password=s3cret');
    expect(home).toMatchObject({ error: { message: 'a home prefix ends with "/", e.g. alice/' } });
    expect(JSON.stringify([role, home])).not.toContain('s3cret');
  });

  it('leaves other commands alone', () => {
    expect(isSecretBearing('LOGIN')).toBe(true);
    expect(isSecretBearing('USER')).toBe(true);
    expect(isSecretBearing('USERS')).toBe(false);
    expect(isSecretBearing('toString')).toBe(false);
    expect(parse('DELETE a b')).toMatchObject({ error: { message: 'unexpected argument "b"' } });
    expect(parse('LOG a "b')).toMatchObject({ command: 'LOG', error: { message: 'a quote is not closed' } });
  });
});
