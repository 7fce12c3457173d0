// verifyWebhook against the example of the Standard Webhooks specification, whose signature was
// checked with OpenSSL:
//   printf '%s' 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' |
//     openssl dgst -sha256 -mac HMAC -binary \
//       -macopt hexkey:$(printf MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw | base64 -d | xxd -p -c 256) | base64
//   -> g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyWebhook, WebhookVerificationError } from '../index.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
const BODY = '{"test": 2432232314}';
const headers = (signature = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=') => ({
  'Webhook-Id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': signature,
});
const at = { nowS: 1614265330 };

test('verifyWebhook accepts the specification example and returns the body', () => {
  assert.deepEqual(verifyWebhook(SECRET, headers(), BODY, at), { test: 2432232314 });
  assert.deepEqual(verifyWebhook(SECRET, headers(), Buffer.from(BODY), at), { test: 2432232314 });
});

test('verifyWebhook accepts either secret of a rotation and either signature of the header', () => {
  assert.ok(verifyWebhook([OTHER, SECRET], headers(), BODY, at));
  assert.ok(verifyWebhook(SECRET, headers('v1,AAAA v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='), BODY, at));
});

test('verifyWebhook refuses a changed body, another secret, a stale timestamp and missing headers', () => {
  assert.throws(() => verifyWebhook(SECRET, headers(), BODY + ' ', at), WebhookVerificationError);
  assert.throws(() => verifyWebhook(OTHER, headers(), BODY, at), WebhookVerificationError);
  assert.throws(() => verifyWebhook(SECRET, headers(), BODY, { nowS: 1614265330 + 301 }), WebhookVerificationError);
  assert.throws(() => verifyWebhook(SECRET, headers('v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='), BODY, at),
    WebhookVerificationError);
  const { 'webhook-signature': _, ...unsigned } = headers();
  assert.throws(() => verifyWebhook(SECRET, unsigned, BODY, at), WebhookVerificationError);
});
