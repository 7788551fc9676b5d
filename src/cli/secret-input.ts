/** Passwords typed or piped in: never echoed, never kept longer than the command needs them. */

/** Reads all of stdin as one secret, without its final line break (`echo pw | ferry ... --password-stdin`). */
export async function readSecretFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export function isTerminal(): boolean {
  return process.stdin.isTTY === true;
}

/** Asks on the terminal without echoing what is typed; Ctrl-C aborts the command. */
export function promptSecret(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve) => {
    let typed = '';
    const onData = (text: string) => {
      for (const ch of text) {
        if (ch === '\r' || ch === '\n') {
          finish();
          return resolve(typed);
        }
        if (ch === '\u0003') {
          finish();
          process.exit(130);
        }
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}

/** A new password, typed twice on a terminal so a slip of the finger does not lock anyone out. */
export async function promptNewSecret(what: string): Promise<string> {
  const first = await promptSecret(`New password for ${what}: `);
  const second = await promptSecret('Again: ');
  if (first !== second) throw new Error('the two passwords differ; nothing was changed');
  return first;
}
