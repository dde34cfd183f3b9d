// Where ../shared is, relative to the repository (never an absolute path): fixtures and datasets the tests read.
import * as path from 'node:path';

export const SHARED = path.resolve(__dirname, '../../../shared');
export const FIXTURES = path.join(SHARED, 'fixtures/shopify');
