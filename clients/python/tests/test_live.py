"""The Python client's events (long poll, Server-Sent Events) against a real `opchat serve`.

    OPCHAT_BINARY=build/opchat python3 -m unittest discover -s clients/python/tests -t clients/python
"""
import json
import socket
import socketserver
import threading
import time
import unittest

from opchat_client import OpchatClient, OpchatError

from .test_client import Server


def head(op):
    """The cursor of "now": the `next` of polls that read everything."""
    page = op.events(after="0", limit=1000)
    while len(page["events"]) == 1000:
        page = op.events(after=page["next"], limit=1000)
    return page["next"]


def say(op, chat_id, msg):
    op.send_message(chat_id, direction="userToOperator", type="txt", msg=msg)


class EventsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def watchdog(self, live, seconds=15):
        """Ends `live` if the test hangs, so that it fails instead."""
        timer = threading.Timer(seconds, live.close)
        timer.daemon = True
        timer.start()
        self.addCleanup(timer.cancel)
        self.addCleanup(live.close)

    def test_long_poll_returns_the_events_of_writes(self):
        op = self.server.client()
        start = head(op)
        chat_id = op.create_chat("u0001c0ffee")["chatId"]
        say(op, chat_id, "one")
        page = op.events(after=start, chat_id=chat_id)
        self.assertEqual([e["type"] for e in page["events"]], ["chat.created", "message.created"])
        self.assertEqual(page["events"][1]["data"]["message"]["msg"], "one")
        self.assertEqual(page["next"], page["events"][1]["id"])
        self.assertEqual(op.events(after=page["next"])["events"], [])
        typed = op.events(after=start, types=["chat.created"])
        self.assertEqual([e["chatId"] for e in typed["events"]], [chat_id])

    def test_wait_ms_waits_for_a_later_send(self):
        op = self.server.client()
        chat_id = op.create_chat("u0001c0ffee")["chatId"]
        start = head(op)
        timer = threading.Timer(0.3, say, (op, chat_id, "late"))
        began = time.monotonic()
        timer.start()
        page = op.events(after=start, wait_ms=10000)
        waited = time.monotonic() - began
        timer.join()
        self.assertEqual([e["data"]["message"]["msg"] for e in page["events"]], ["late"])
        self.assertTrue(0.25 <= waited < 5, waited)

    def test_sse_receives_events_in_order(self):
        op = self.server.client(sign_method="hmac-sha256")
        start = head(op)
        live = op.live_events(after=start)
        self.watchdog(live)
        chat_id = op.create_chat("u0001c0ffee")["chatId"]
        say(op, chat_id, "a")
        op.end_chat(chat_id)
        got = [next(live) for _ in range(3)]
        self.assertEqual([e["type"] for e in got], ["chat.created", "message.created", "chat.status_changed"])
        self.assertEqual(live.last_id, got[-1]["id"])
        self.assertEqual(live.connections, 1)

    def test_sse_resumes_after_a_dropped_connection_without_duplicates(self):
        op = self.server.client()
        chat_id = op.create_chat("u0001c0ffee")["chatId"]
        live = op.live_events(after=head(op), chat_id=chat_id, types=["message.created"])
        self.watchdog(live)
        sent, got = [], []
        for i in range(24):
            sent.append(f"m{i}")
            say(op, chat_id, f"m{i}")
            if i % 3 == 0:
                got.append(next(live)["data"]["message"]["msg"])
            if i in (6, 15):
                while len(got) < len(sent):  # what was read before the break is not sent again
                    got.append(next(live)["data"]["message"]["msg"])
                live.socket.shutdown(socket.SHUT_RDWR)  # the stream breaks while sends go on
        while len(got) < len(sent):
            got.append(next(live)["data"]["message"]["msg"])
        say(op, chat_id, "last")  # a duplicate would come before it
        got.append(next(live)["data"]["message"]["msg"])
        self.assertEqual(got, sent + ["last"])
        self.assertGreaterEqual(live.connections, 3)

    def test_sse_stops_on_a_refusal(self):
        c = self.server.credential
        op = OpchatClient(self.server.url, client=c["client"], secret="wrong", channel="shop")
        with self.assertRaises(OpchatError) as e:
            next(op.live_events())
        self.assertEqual(e.exception.code, 401)
        with self.assertRaises(OpchatError) as e:
            next(self.server.client().live_events(after="not-a-cursor"))
        self.assertEqual(e.exception.code, 400)

    def test_close_ends_the_iteration(self):
        op = self.server.client()
        live = op.live_events()
        threading.Timer(0.5, live.close).start()
        began = time.monotonic()
        self.assertEqual(list(live), [])
        self.assertLess(time.monotonic() - began, 5)


class ScriptedStreamTest(unittest.TestCase):
    """The SSE parser and the reconnection against a scripted server (no opchat needed)."""

    def test_partial_events_comments_and_a_4410_close(self):
        seen = []

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                headers = {}
                while (line := self.rfile.readline().decode()) not in ("\r\n", ""):
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                seen.append(headers.get("last-event-id"))
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                 b"Connection: close\r\n\r\n")
                if len(seen) == 1:
                    one = json.dumps({"id": "1", "type": "chat.created", "data": {}})
                    self.wfile.write(f"retry: 1000\n\n: ping\nid: 1\ndata: {one}\n\n".encode())
                    self.wfile.write(b'id: 2\r\ndata: {"id":"2","ty')  # cut mid-event
                else:
                    self.wfile.write(b'event: close\ndata: {"code":4410,"reason":"cursor expired"}\n\n')

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        op = OpchatClient(f"http://127.0.0.1:{server.server_address[1]}", client="c", secret="s",
                          channel="x")
        live = op.live_events(after="0", idle_timeout=5)
        self.assertEqual(next(live)["id"], "1")
        with self.assertRaises(OpchatError) as e:
            next(live)
        self.assertEqual(e.exception.code, 410)
        self.assertEqual(seen, ["0", "1"])  # Last-Event-ID: the cursor so far
        self.assertEqual(live.connections, 2)


if __name__ == "__main__":
    unittest.main()
