"""verify_webhook against the example of the Standard Webhooks specification, whose signature
was checked with OpenSSL:

    printf '%s' 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' |
      openssl dgst -sha256 -mac HMAC -binary \\
        -macopt hexkey:$(printf MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw | base64 -d | xxd -p -c 256) | base64
    -> g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
"""
import base64
import unittest

from opchat_client import WebhookVerificationError, verify_webhook

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER = "whsec_" + base64.b64encode(bytes([7]) * 32).decode()
BODY = '{"test": 2432232314}'
SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
NOW = 1614265330


def headers(signature=SIGNATURE):
    return {"Webhook-Id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330",
            "webhook-signature": signature}


class VerifyWebhookTest(unittest.TestCase):
    def test_accepts_the_specification_example(self):
        self.assertEqual(verify_webhook(SECRET, headers(), BODY, now_s=NOW), {"test": 2432232314})
        self.assertEqual(verify_webhook(SECRET, headers(), BODY.encode(), now_s=NOW), {"test": 2432232314})

    def test_accepts_either_secret_and_either_signature(self):
        self.assertTrue(verify_webhook([OTHER, SECRET], headers(), BODY, now_s=NOW))
        self.assertTrue(verify_webhook(SECRET, headers("v1,AAAA " + SIGNATURE), BODY, now_s=NOW))

    def test_refuses_what_is_not_authentic_or_fresh(self):
        for secret, hdrs, body, now in [
            (SECRET, headers(), BODY + " ", NOW),
            (OTHER, headers(), BODY, NOW),
            (SECRET, headers(), BODY, NOW + 301),
            (SECRET, headers("v2," + SIGNATURE[3:]), BODY, NOW),
            (SECRET, {k: v for k, v in headers().items() if k != "webhook-signature"}, BODY, NOW),
        ]:
            with self.assertRaises(WebhookVerificationError):
                verify_webhook(secret, hdrs, body, now_s=now)


if __name__ == "__main__":
    unittest.main()
