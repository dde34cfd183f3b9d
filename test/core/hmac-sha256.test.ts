// The keyed HMAC-SHA256 (two one-shot hashes over precomputed key blocks) equals node's createHmac for every key length around the block size and any message.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { hmacSha256, sha256 } from '../../functions/src/core/hmac-sha256';

describe('hmacSha256', () => {
  test('equals createHmac on random keys (0 to 200 bytes: shorter than, equal to and longer than a block) and messages', () => {
    let cases = 0;
    for (let keyLength = 0; keyLength <= 200; keyLength += 1) {
      const key = randomBytes(keyLength);
      const mac = hmacSha256(key);
      for (const n of [0, 1, 55, 56, 63, 64, 65, 1000, 10_000]) {
        const m = randomBytes(n);
        expect(mac(m).equals(createHmac('sha256', key).update(m).digest())).toBe(true);
        cases++;
      }
    }
    expect(cases).toBe(201 * 9);
  });

  test('a string key and message are taken as UTF-8, as Shopify signs and createHmac keys them', () => {
    const secret = 'shpss_é€𝄞 secret';
    const message = 'logged_in_customer_id=path_prefix=/apps/x shop=ünï.myshopify.comtimestamp=1';
    expect(hmacSha256(secret)(message).equals(createHmac('sha256', secret).update(message, 'utf8').digest())).toBe(true);
    expect(hmacSha256(secret)(message).equals(hmacSha256(Buffer.from(secret, 'utf8'))(Buffer.from(message, 'utf8')))).toBe(true);
  });

  test('sha256 is the plain digest', () => {
    for (const d of ['', 'abc', randomBytes(777)]) expect(sha256(d).equals(createHash('sha256').update(d).digest())).toBe(true);
  });
});
