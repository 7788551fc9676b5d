import { Accounts } from '../../../src/domain/accounts';
import {
  confinePrefix,
  isInside,
  LOCAL_ACTOR_PREFIX,
  localActor,
  permit,
  resolveRights,
  Rights,
  rightsOf,
} from '../../../src/domain/authorization';
import { FerryEvent, Role } from '../../../src/domain/events';
import { eventFactory, foldInto } from '../../support/domain-events';
import { codeOf, valueOf } from '../../support/results';

const fold = (events: readonly FerryEvent[]): Accounts => foldInto(new Accounts(), events);

/** alice: write in alice/; root: admin everywhere; dora: read, disabled. */
function someAccounts(): Accounts {
  const f = eventFactory();
  return fold([
    f.make('UserAdded', { user: 'alice', role: 'write', prefix: 'alice/', passwordSet: true }),
    f.make('UserAdded', { user: 'root', role: 'admin', passwordSet: true }),
    f.make('UserAdded', { user: 'dora', role: 'read', passwordSet: true }),
    f.make('UserDisabled', { user: 'dora' }),
  ]);
}

const ALLOWED = { allowed: true };
const NOT_ALLOWED = { allowed: false };

describe('localActor', () => {
  it('prefixes the OS user with local:', () => {
    expect(localActor('ops')).toBe('local:ops');
    expect(localActor('ops').startsWith(LOCAL_ACTOR_PREFIX)).toBe(true);
  });
});

describe('resolveRights', () => {
  describe('local actors', () => {
    it.each([
      ['with accounts, anonymous not allowed', someAccounts(), NOT_ALLOWED],
      ['without accounts', new Accounts(), NOT_ALLOWED],
      ['without accounts, anonymous allowed', new Accounts(), ALLOWED],
    ])('are admin everywhere, %s', (_when, accounts, policy) => {
      const rights = valueOf(resolveRights(localActor('ops'), accounts, policy));
      expect(rights).toEqual({ role: 'admin' });
      expect(rights).not.toHaveProperty('prefix');
    });

    it('are admin even with the name of a disabled or confined account after the colon', () => {
      expect(valueOf(resolveRights('local:dora', someAccounts(), NOT_ALLOWED))).toEqual({ role: 'admin' });
      expect(valueOf(resolveRights('local:alice', someAccounts(), NOT_ALLOWED))).toEqual({ role: 'admin' });
    });
  });

  describe('anonymous', () => {
    it('may write everywhere while the policy allows it and no account exists', () => {
      expect(valueOf(resolveRights('anonymous', new Accounts(), ALLOWED))).toEqual({ role: 'write' });
    });

    it('is UNAUTHENTICATED when the policy does not allow it, even with no account', () => {
      expect(codeOf(resolveRights('anonymous', new Accounts(), NOT_ALLOWED))).toBe('UNAUTHENTICATED');
    });

    it('is UNAUTHENTICATED once any account exists, even when allowed', () => {
      expect(codeOf(resolveRights('anonymous', someAccounts(), ALLOWED))).toBe('UNAUTHENTICATED');
    });

    it('is UNAUTHENTICATED when the only account is disabled: it still exists', () => {
      const f = eventFactory();
      const accounts = fold([
        f.make('UserAdded', { user: 'dora', role: 'read', passwordSet: true }),
        f.make('UserDisabled', { user: 'dora' }),
      ]);
      expect(codeOf(resolveRights('anonymous', accounts, ALLOWED))).toBe('UNAUTHENTICATED');
    });
  });

  describe('accounts', () => {
    it('get their role and home', () => {
      expect(valueOf(resolveRights('alice', someAccounts(), NOT_ALLOWED))).toEqual({
        role: 'write',
        prefix: 'alice/',
      });
    });

    it('without a home get no prefix at all', () => {
      const rights = valueOf(resolveRights('root', someAccounts(), NOT_ALLOWED));
      expect(rights).toEqual({ role: 'admin' });
      expect(rights).not.toHaveProperty('prefix');
    });

    it('follow role and home changes', () => {
      const f = eventFactory();
      const accounts = fold([
        f.make('UserAdded', { user: 'alice', role: 'write', prefix: 'alice/', passwordSet: true }),
        f.make('UserRoleChanged', { user: 'alice', role: 'read' }),
        f.make('UserPrefixChanged', { user: 'alice', prefix: null }),
      ]);
      expect(valueOf(resolveRights('alice', accounts, NOT_ALLOWED))).toEqual({ role: 'read' });
    });

    it('that do not exist (any more) are UNAUTHENTICATED', () => {
      expect(codeOf(resolveRights('ghost', someAccounts(), ALLOWED))).toBe('UNAUTHENTICATED');
      expect(codeOf(resolveRights('ghost', new Accounts(), ALLOWED))).toBe('UNAUTHENTICATED');
    });

    it('that are disabled are UNAUTHENTICATED, and pass again once enabled', () => {
      const accounts = someAccounts();
      expect(codeOf(resolveRights('dora', accounts, ALLOWED))).toBe('UNAUTHENTICATED');
      accounts.apply(eventFactory(100).make('UserEnabled', { user: 'dora' }));
      expect(valueOf(resolveRights('dora', accounts, ALLOWED))).toEqual({ role: 'read' });
    });
  });
});

describe('rightsOf', () => {
  it('copies role and home, leaving prefix out when there is none', () => {
    const accounts = someAccounts();
    expect(rightsOf(accounts.get('alice')!)).toEqual({ role: 'write', prefix: 'alice/' });
    expect(rightsOf(accounts.get('root')!)).not.toHaveProperty('prefix');
  });
});

describe('permit', () => {
  const ROLES: Role[] = ['read', 'write', 'admin'];
  const RANK: Record<Role, number> = { read: 1, write: 2, admin: 3 };
  const matrix = ROLES.flatMap((has) => ROLES.map((needed) => [has, needed] as const));

  it.each(matrix)('a %s caller asking for %s', (has, needed) => {
    const result = permit({ role: has }, needed, 'do it');
    if (RANK[has] >= RANK[needed]) expect(result).toEqual({ ok: true, value: undefined });
    else expect(codeOf(result)).toBe('FORBIDDEN');
  });

  it('spells out the matrix: read < write < admin', () => {
    expect(permit({ role: 'read' }, 'read', 'LIST').ok).toBe(true);
    expect(codeOf(permit({ role: 'read' }, 'write', 'PUT'))).toBe('FORBIDDEN');
    expect(codeOf(permit({ role: 'read' }, 'admin', 'USER'))).toBe('FORBIDDEN');
    expect(permit({ role: 'write' }, 'write', 'PUT').ok).toBe(true);
    expect(codeOf(permit({ role: 'write' }, 'admin', 'USER'))).toBe('FORBIDDEN');
    expect(permit({ role: 'admin' }, 'admin', 'USER').ok).toBe(true);
    expect(permit({ role: 'admin' }, 'read', 'GET').ok).toBe(true);
  });

  describe('with a home', () => {
    const alice: Rights = { role: 'write', prefix: 'alice/' };

    it.each(['alice/doc.txt', 'alice/deep/er/doc.txt', 'alice/'])('allows %p inside the home', (name) => {
      expect(permit(alice, 'write', 'PUT', name).ok).toBe(true);
    });

    it.each(['', 'bob/doc.txt', 'alice', 'alicex/doc.txt', 'Alice/doc.txt', 'doc.txt', 'team/alice/doc.txt'])(
      'refuses %p outside the home with FORBIDDEN',
      (name) => {
        expect(codeOf(permit(alice, 'read', 'GET', name))).toBe('FORBIDDEN');
      },
    );

    it('checks the role before the home: a role too low is FORBIDDEN even inside', () => {
      expect(codeOf(permit({ role: 'read', prefix: 'alice/' }, 'write', 'PUT', 'alice/doc.txt'))).toBe(
        'FORBIDDEN',
      );
    });

    it('does not check a home when the command names nothing', () => {
      expect(permit(alice, 'read', 'LIST').ok).toBe(true);
    });

    it('confines an admin with a home too', () => {
      expect(codeOf(permit({ role: 'admin', prefix: 'ops/' }, 'read', 'GET', 'alice/doc.txt'))).toBe(
        'FORBIDDEN',
      );
    });
  });

  it('without a home allows every name', () => {
    expect(permit({ role: 'read' }, 'read', 'GET', 'anything/at/all').ok).toBe(true);
    expect(isInside({ role: 'read' }, '')).toBe(true);
  });
});

describe('confinePrefix', () => {
  const alice: Rights = { role: 'read', prefix: 'alice/' };

  it('narrows an empty prefix to the home', () => {
    expect(valueOf(confinePrefix(alice, ''))).toBe('alice/');
  });

  it.each(['alice/', 'alice/sub', 'alice/sub/', 'alice/doc.txt'])('keeps %p, inside the home', (asked) => {
    expect(valueOf(confinePrefix(alice, asked))).toBe(asked);
  });

  it.each(['a', 'al', 'alice'])('narrows %p, a shorter prefix of the home, to the home', (asked) => {
    expect(valueOf(confinePrefix(alice, asked))).toBe('alice/');
  });

  it.each(['bob/', 'b', 'alicex', 'alice-', 'Alice/', 'team/'])(
    'refuses %p, outside the home, with FORBIDDEN',
    (asked) => {
      expect(codeOf(confinePrefix(alice, asked))).toBe('FORBIDDEN');
    },
  );

  it('leaves every prefix as asked without a home', () => {
    for (const asked of ['', 'a', 'bob/', 'alice/x']) {
      expect(valueOf(confinePrefix({ role: 'admin' }, asked))).toBe(asked);
    }
  });

  it('works with a nested home', () => {
    const nested: Rights = { role: 'write', prefix: 'team/alice/' };
    expect(valueOf(confinePrefix(nested, 'team/'))).toBe('team/alice/');
    expect(valueOf(confinePrefix(nested, 'team/alice/x'))).toBe('team/alice/x');
    expect(codeOf(confinePrefix(nested, 'team/bob/'))).toBe('FORBIDDEN');
  });
});
