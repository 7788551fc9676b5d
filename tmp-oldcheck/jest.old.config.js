const base = require('../jest.config.js');
module.exports = { ...base, rootDir: '..', moduleNameMapper: { '^(.*)/codec/frame-decoder$': '<rootDir>/tmp-oldcheck/old-decoder.ts' } };
