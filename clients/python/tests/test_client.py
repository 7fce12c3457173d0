"""The Python client against a real `opchat serve` (temporary SQLite database, free port).

    OPCHAT_BINARY=build/opchat python3 -m unittest discover -s clients/python/tests -t clients/python
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

from opchat_client import OpchatClient, OpchatError, sign_query

BINARY = os.environ.get("OPCHAT_BINARY", "build/opchat")
RECORD_PROXY = os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "openapi",
                            "record-proxy.mjs")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`opchat serve` on a temporary database, with one client on channel `shop`."""

    def __init__(self):
        self.dir = tempfile.TemporaryDirectory()
        self.db = f"sqlite:{self.dir.name}/opchat.db"
        added = subprocess.run([BINARY, "client", "add", "--db", self.db, "--name", "py",
                                "--channel", "shop"], check=True, capture_output=True, text=True)
        self.credential = json.loads(added.stdout)
        self.port = free_port()
        self.log = open(os.path.join(self.dir.name, "server.log"), "w")
        self.process = subprocess.Popen(
            [BINARY, "serve", "--db", self.db, "--listen", f"127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.proxy = None
        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("opchat serve did not start")
                time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.start_record_proxy()}"

    def start_record_proxy(self):
        """The port the clients use: with OPCHAT_RECORD_ANSWERS set, that of a proxy recording
        the answers for tests/openapi/validate-answers.mjs; else the server's own."""
        record = os.environ.get("OPCHAT_RECORD_ANSWERS")
        if not record:
            return self.port
        node = os.environ.get("OPCHAT_NODE") or shutil.which("node") or "node"
        # The proxy exits when its stdin, this pipe, closes.
        self.proxy = subprocess.Popen([node, RECORD_PROXY, str(self.port), os.path.abspath(record)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proxy.stdout.readline()
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError("record-proxy.mjs did not start")
        return int(line)

    def client(self, **kwargs):
        c = self.credential
        return OpchatClient(self.url, client=c["client"], secret=c["secret"], channel="shop",
                            **kwargs)

    def stop(self):
        if self.proxy is not None:
            self.proxy.stdin.close()
            self.proxy.wait(timeout=10)
            self.proxy.stdout.close()
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()
        self.dir.cleanup()


class SignatureTest(unittest.TestCase):
    # The worked examples of docs/api.md "Signing".
    PARAMS = {"apiVersion": "01", "client": "70374ddd0f3641368d419b2d93127b8f",
              "channel": "eba920d452d34adb8f2badb08b9e69bb", "version": "2.0"}
    BODY = b'{"chatId":"u000103b6237d8f94447ab3bd6cbe9c89d70a","pageNum":1,"pageSize":20}'

    def test_md5_matches_the_documented_example(self):
        self.assertEqual(sign_query(self.PARAMS, self.BODY, "test-secret"),
                         "8fb9c9ef3ca13f0301b39582122fcfe7")

    def test_hmac_covers_the_path(self):
        params = dict(self.PARAMS, signMethod="hmac-sha256")
        self.assertEqual(
            sign_query(params, self.BODY, "test-secret", method="hmac-sha256",
                       path="/op/v2/operatorToUserChatMessages"),
            "13689368c99f15033615b4be60b989e9cfa9bcdffbd1ede7cea3aa72e17542f8")


class ClientAgainstServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def lifecycle(self, op):
        chat = op.create_chat("u0001c0ffee", ext={"source": "py"})
        self.assertEqual((chat["statusCode"], chat["status"], chat["ext"]), (1, "等待接待", {"source": "py"}))
        chat_id = chat["chatId"]
        self.assertEqual(op.accept_chat(chat_id, "op-7")["operatorId"], "op-7")
        sent = op.send_message(chat_id, direction="operatorToUser", type="txt", msg="您好，请问有什么可以帮您？",
                               userMessageId="py-1")
        self.assertEqual((sent["data"]["form"], sent["data"]["to"], sent["duplicate"]),
                         ("op-7", "u0001c0ffee", False))
        again = op.send_message(chat_id, direction="operatorToUser", type="txt", msg="您好，请问有什么可以帮您？",
                                userMessageId="py-1")
        self.assertTrue(again["duplicate"])
        op.send_message(chat_id, direction="userToOperator", type="loc", addr="上海", lat=31.23, lng="121.47")
        self.assertEqual(op.suspend_chat(chat_id)["statusCode"], 30)
        self.assertEqual(op.resume_chat(chat_id)["statusCode"], 3)
        moved = op.transfer_chat(chat_id, "op-8")
        self.assertEqual((moved["statusCode"], moved["operatorId"]), (3, "op-8"))
        self.assertEqual(op.transfer_chat(chat_id, "op-7")["operatorId"], "op-7")
        page = op.history(chat_id, page_num=1, page_size=1)
        self.assertEqual((page["page"]["total"], page["page"]["next"]), (2, True))
        self.assertEqual(page["data"]["msg"][0]["length"], "0")
        rest = op.history(chat_id, after_seq=1, page_size=20)
        self.assertEqual([m["type"] for m in rest["data"]["msg"]], ["loc"])
        self.assertEqual(op.chat_info(chat_id)["messageCount"], 2)
        listed = op.chats(user_id="u0001c0ffee", status=3)
        self.assertIn(chat_id, [c["chatId"] for c in listed["data"]["chats"]])
        hits = op.search_messages("请问", chat_id=chat_id)
        self.assertEqual(hits["data"]["hits"][0]["snippet"], "您好，【请问】有什么可以帮您？")
        transcript = op.chat_transcript(chat_id, format="json")
        self.assertEqual(json.loads(transcript["content"])["count"], 2)
        self.assertEqual(op.end_chat(chat_id)["statusCode"], 5)
        self.assertEqual(op.delete_chat(chat_id)["statusCode"], 6)
        return chat_id

    def test_every_endpoint_with_md5(self):
        self.lifecycle(self.server.client())

    def test_every_endpoint_with_hmac_sha256(self):
        self.lifecycle(self.server.client(sign_method="hmac-sha256"))

    def test_errors_carry_code_and_message(self):
        op = self.server.client()
        chat_id = op.create_chat("u0001c0ffee")["chatId"]
        with self.assertRaises(OpchatError) as e:
            op.resume_chat(chat_id)
        self.assertEqual(e.exception.code, 409)
        self.assertTrue(e.exception.message.startswith("会话状态不允许该操作"))
        with self.assertRaises(OpchatError) as e:
            op.transfer_chat(chat_id, "op-8")
        self.assertEqual(e.exception.code, 409)
        with self.assertRaises(OpchatError) as e:
            op.chat_info("u0001ffffffffffffffffffffffffffffffff")
        self.assertEqual((e.exception.code, e.exception.message), (404, "会话不存在"))
        with self.assertRaises(OpchatError) as e:
            op.call("createChat", {"userId": "u1", "pageNum": 1})
        self.assertEqual(e.exception.code, 400)
        self.assertIn("pageNum", e.exception.message)

    def test_a_wrong_secret_is_401(self):
        c = self.server.credential
        op = OpchatClient(self.server.url, client=c["client"], secret="wrong", channel="shop")
        with self.assertRaises(OpchatError) as e:
            op.chats()
        self.assertEqual((e.exception.code, e.exception.message), (401, "签名无效"))

    def test_no_server_is_code_zero(self):
        op = OpchatClient(f"http://127.0.0.1:{free_port()}", client="c", secret="s", channel="x",
                          timeout=2)
        with self.assertRaises(OpchatError) as e:
            op.chats()
        self.assertEqual(e.exception.code, 0)


if __name__ == "__main__":
    unittest.main()
