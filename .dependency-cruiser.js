/** The layer rule: domain is pure, only the composition root names concrete adapters. */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain imports nothing from the other layers, from Node or from npm packages.',
      severity: 'error',
      from: { path: '^src/domain' },
      to: { pathNot: '^src/domain' },
    },
    {
      name: 'only-composition-root-names-adapters',
      comment: 'Concrete adapters in src/infra are named by the composition root alone.',
      severity: 'error',
      from: { path: '^src', pathNot: ['^src/infra', '^src/app/composition-root\\.ts$'] },
      to: { path: '^src/infra' },
    },
    {
      name: 'app-knows-no-transport',
      severity: 'error',
      from: { path: '^src/app' },
      to: { path: '^src/(transport|cli)' },
    },
    {
      name: 'use-cases-know-no-protocol-library',
      comment:
        'A protocol (ssh2 for SFTP) lives in its transport adapter; app and domain stay transport-neutral.',
      severity: 'error',
      from: { path: '^src/(app|domain)' },
      to: { path: '(^|/)node_modules/(ssh2|@types/ssh2)/' },
    },
    {
      name: 'infra-knows-no-outer-layers',
      severity: 'error',
      from: { path: '^src/infra' },
      to: { path: '^src/(app|transport|cli)' },
    },
    {
      name: 'transport-knows-no-cli',
      severity: 'error',
      from: { path: '^src/transport' },
      to: { path: '^src/cli' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
