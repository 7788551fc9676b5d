import { Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyConfigFile } from '../../../src/cli/config-file';
import { addSecurityOptions } from '../../../src/cli/serve-security';
import { removeDir, tempDir } from '../../support/test-server';

describe('a --config file for ferry serve', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('ferry-config-')));
  afterEach(() => removeDir(dir));

  function commandWith(settings: object, argv: string[] = []): Command {
    const command = addSecurityOptions(
      new Command('serve').addOption(new Option('--tls-cert <file>')).exitOverride(),
    ).action(() => undefined);
    command.parse(argv, { from: 'user' });
    const file = join(dir, 'ferry.json');
    writeFileSync(file, JSON.stringify(settings));
    applyConfigFile(command, file);
    return command;
  }

  it('fills options without a default, switches, lists and sizes, below the flags', () => {
    const options = commandWith(
      {
        tlsCert: '/etc/cert.pem',
        allowPlaintext: true,
        banSafelist: ['10.0.0.1', '10.0.0.2'],
        maxFileSize: '1G',
      },
      ['--max-connections', '7'],
    ).opts();
    expect(options).toMatchObject({
      tlsCert: '/etc/cert.pem',
      allowPlaintext: true,
      banSafelist: ['10.0.0.1', '10.0.0.2'],
      maxFileSize: 1024 ** 3,
      maxConnections: 7,
    });
  });

  it('keeps a flag over the file', () => {
    expect(commandWith({ maxConnections: 9 }, ['--max-connections', '7']).opts().maxConnections).toBe(7);
  });

  it('refuses a switch that is not true or false', () => {
    expect(() => commandWith({ allowAnonymous: 'yes' })).toThrow(/must be true or false/);
  });
});
