// Jest in ESM mode (NestJS 12, @nestjs/cqrs 12 and uuid 14 are ESM-only): run via
// `node --experimental-vm-modules node_modules/jest/bin/jest.js` (see package.json "test").
const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swcOptions] },
  moduleNameMapper: {
    '^#domain$': '<rootDir>/libs/domain/src/index.ts',
    '^#event-store$': '<rootDir>/libs/event-store/src/index.ts',
    '^#evidence$': '<rootDir>/libs/evidence/src/index.ts',
    '^#integrity$': '<rootDir>/libs/integrity/src/index.ts',
    '^#transparency$': '<rootDir>/libs/transparency/src/index.ts',
    '^#witness$': '<rootDir>/libs/witness/src/index.ts',
    '^#plan-views$': '<rootDir>/libs/plan-views/src/index.ts',
    '^#projections$': '<rootDir>/libs/projections/src/index.ts',
    '^#importer$': '<rootDir>/libs/importer/src/index.ts',
    '^#application$': '<rootDir>/libs/application/src/index.ts',
    // Test helpers one lib lends another's tests, by alias (never ../../other-lib/src/…).
    '^#application/testing/(.*)$': '<rootDir>/libs/application/src/testing/$1.ts',
    '^#event-store/testing/(.*)$': '<rootDir>/libs/event-store/src/testing/$1.ts',
    '^#domain/rag-testing/(.*)$': '<rootDir>/libs/domain/src/rag/testing/$1.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/{apps,libs,test}/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 30000,
};
