import { parseRequest } from '../../src/transport/codec/requests';
it('probe', () => {
for (const l of ['LOGIN\u00a0alice\u00a0Hunter2secret', 'LOGIN\u000balice\u000bHunter2secret', 'LOGIN,alice,Hunter2secret', 'USER\u00a0ADD\u00a0bob\u00a0role=read\u00a0password=Hunter2secret', 'login alice Hunter2secret extra', 'LOGIN alice "Hunter2 secret', 'LOGIN: alice Hunter2secret', 'LOGIN\u00a0alice Hunter2secret\\'])
  console.log(JSON.stringify(parseRequest(Buffer.from(l))));
});
