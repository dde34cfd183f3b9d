// ShopMlopsError.fromUnknown: our errors pass through (also from another copy of the module), anything else is wrapped.
import { ShopMlopsError } from '../../functions/src/core/errors';

test('an error of ours passes through unchanged', () => {
  const e = new ShopMlopsError('UNPROCESSABLE', 'bad rows');
  expect(ShopMlopsError.fromUnknown(e)).toBe(e);
});

test('the same error class from another copy of the module keeps its code and retryable flag', () => {
  // What a step module run from source throws into a built entry point: same name and fields, another class object.
  class ShopMlopsErrorCopy extends Error {
    readonly code = 'UNPROCESSABLE';
    readonly retryable = false;
    constructor(message: string) {
      super(message);
      this.name = 'ShopMlopsError';
    }
  }
  const wrapped = ShopMlopsError.fromUnknown(new ShopMlopsErrorCopy('dataset has 3 rows'), 'INTERNAL');
  expect(wrapped).toBeInstanceOf(ShopMlopsError);
  expect(wrapped).toMatchObject({ code: 'UNPROCESSABLE', retryable: false, message: 'dataset has 3 rows' });
});

test('a look-alike with a code outside the closed set, or any other error, gets the fallback code', () => {
  const odd = Object.assign(new Error('odd'), { name: 'ShopMlopsError', code: 'TEAPOT' });
  expect(ShopMlopsError.fromUnknown(odd, 'INTERNAL').code).toBe('INTERNAL');
  expect(ShopMlopsError.fromUnknown(new TypeError('boom')).code).toBe('UNAVAILABLE');
  expect(ShopMlopsError.fromUnknown('text', 'BAD_REQUEST')).toMatchObject({ code: 'BAD_REQUEST', message: 'text' });
});
