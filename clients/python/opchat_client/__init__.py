"""A client for the opchat Op API v2, standard library only (Python 3.11+).

    from opchat_client import OpchatClient, OpchatError
    op = OpchatClient("http://127.0.0.1:8080", client="...", secret="...", channel="web-shop")
    chat = op.create_chat(user_id="u0001c0ffee")
    op.accept_chat(chat["chatId"], operator_id="op-7")
    op.send_message(chat["chatId"], direction="operatorToUser", type="txt", msg="您好")
    page = op.history(chat["chatId"], page_num=1, page_size=20)
    batch = op.events(after="0", wait_ms=25000)           # long poll: {"events": [...], "next": ...}
    for event in op.live_events(after=batch["next"]):     # Server-Sent Events, resumed on drops
        print(event["id"], event["type"])
    event = verify_webhook(secret, request_headers, raw_body)  # a webhook delivery (docs/webhooks.md)

Each method signs its request (md5 or hmac-sha256, docs/api.md "Signing"), adds `timestamp` and a
fresh `nonce` on write endpoints, posts it and returns the answer's `data` as a dict, or, for paged
endpoints and sendMessage, the whole envelope. An answer whose `code` is not 200 raises
OpchatError carrying `code` and `message`. A client object is safe to share between threads.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import secrets
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Iterator

__all__ = ["LiveEvents", "OpchatClient", "OpchatError", "WRITE_ENDPOINTS", "WebhookVerificationError",
           "sign_query", "verify_webhook"]

# Endpoints that require timestamp and nonce and refuse body fields they do not take.
WRITE_ENDPOINTS = frozenset({"createChat", "acceptChat", "suspendChat", "resumeChat", "endChat",
                             "deleteChat", "transferChat", "sendMessage"})


class OpchatError(Exception):
    """An error answer of the API: `code` (= the HTTP status) and `message` (names the field on
    a 400). `code` is 0 when no answer arrived (connection refused, timeout, not JSON)."""

    def __init__(self, code: int, message: str, answer: dict | None = None):
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.answer = answer


def sign_query(params: dict[str, str], body: bytes, secret: str, *, method: str = "md5",
               path: str = "", http_method: str = "POST") -> str:
    """The signature of a request: `params` are the query parameters without `sign`, `body` the
    raw body bytes, `path` the endpoint's path and `http_method` (GET for /op/v2/live) are used
    by hmac-sha256 only."""
    canonical = "&".join(f"{k}={params[k]}" for k in sorted(params)).encode()
    if method == "md5":
        return hashlib.md5(canonical + body + secret.encode()).hexdigest()
    if method == "hmac-sha256":
        message = http_method.encode() + b"\n" + path.encode() + b"\n" + canonical + body
        return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    raise ValueError(f"unknown sign method: {method}")


def _fields(**kwargs: Any) -> dict[str, Any]:
    """The body fields that were given (None means: leave the field out)."""
    return {k: v for k, v in kwargs.items() if v is not None}


class OpchatClient:
    def __init__(self, base_url: str, *, client: str, secret: str, channel: str,
                 sign_method: str = "md5", timeout: float = 10.0):
        if sign_method not in ("md5", "hmac-sha256"):
            raise ValueError(f"unknown sign method: {sign_method}")
        self.base_url = base_url.rstrip("/")
        self.client, self.secret, self.channel = client, secret, channel
        self.sign_method, self.timeout = sign_method, timeout

    # --- the transport ---

    def call(self, endpoint: str, body: dict[str, Any], *, stamp: bool | None = None,
             timeout: float | None = None) -> dict:
        """Signs and posts `body` to /op/v2/<endpoint>; returns the whole answer (the envelope).
        Writes are stamped with timestamp and nonce; `stamp=True` stamps a read too. `timeout`
        (seconds) defaults to the client's."""
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        path = f"/op/v2/{endpoint}"
        params = {"apiVersion": "01", "client": self.client, "channel": self.channel,
                  "version": "2.0"}
        if self.sign_method != "md5":
            params["signMethod"] = self.sign_method
        if stamp or (stamp is None and endpoint in WRITE_ENDPOINTS):
            params["timestamp"] = str(int(time.time() * 1000))
            params["nonce"] = secrets.token_hex(8)
        params["sign"] = sign_query(params, raw, self.secret, method=self.sign_method, path=path)
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(url, data=raw, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                text = response.read()
        except urllib.error.HTTPError as e:  # 4xx/5xx still carry the JSON envelope
            text = e.read()
        except (urllib.error.URLError, TimeoutError) as e:
            raise OpchatError(0, f"no answer: {e}") from e
        try:
            answer = json.loads(text)
        except ValueError as e:
            raise OpchatError(0, f"answer is not JSON: {text[:200]!r}") from e
        if answer.get("code") != 200:
            raise OpchatError(int(answer.get("code") or 0), str(answer.get("message")), answer)
        return answer

    def _data(self, endpoint: str, body: dict[str, Any]) -> dict:
        return self.call(endpoint, body)["data"]

    # --- history ---

    def history(self, chat_id: str, *, page_num: int | None = 1, page_size: int = 20,
                order: str | None = None, after_seq: int | None = None) -> dict:
        """operatorToUserChatMessages: the envelope, with `data` (status, msg, chatId) and `page`."""
        if after_seq is not None and page_num == 1:
            page_num = None
        return self.call("operatorToUserChatMessages", _fields(
            chatId=chat_id, pageNum=page_num, pageSize=page_size, order=order, afterSeq=after_seq))

    # --- lifecycle: each answers the chat object ---

    def create_chat(self, user_id: str, *, chat_id: str | None = None,
                    ext: dict | None = None) -> dict:
        return self._data("createChat", _fields(userId=user_id, chatId=chat_id, ext=ext))

    def accept_chat(self, chat_id: str, operator_id: str) -> dict:
        return self._data("acceptChat", {"chatId": chat_id, "operatorId": operator_id})

    def suspend_chat(self, chat_id: str) -> dict:
        return self._data("suspendChat", {"chatId": chat_id})

    def resume_chat(self, chat_id: str) -> dict:
        return self._data("resumeChat", {"chatId": chat_id})

    def end_chat(self, chat_id: str) -> dict:
        return self._data("endChat", {"chatId": chat_id})

    def delete_chat(self, chat_id: str) -> dict:
        return self._data("deleteChat", {"chatId": chat_id})

    def transfer_chat(self, chat_id: str, operator_id: str) -> dict:
        """Hands a chatting chat (3) to another operator; it stays 3 (409 in any other status)."""
        return self._data("transferChat", {"chatId": chat_id, "operatorId": operator_id})

    # --- messages ---

    def send_message(self, chat_id: str, *, direction: str, type: str, **fields: Any) -> dict:
        """sendMessage: the envelope, with `data` (the message), `chatId` and `duplicate`. Other
        fields (msg, url, key, lat, lng, filename, length, ext, userMessageId, ...) by name."""
        return self.call("sendMessage", _fields(chatId=chat_id, direction=direction, type=type,
                                                **fields))

    # --- queries ---

    def chats(self, *, status: int | None = None, operator_id: str | None = None,
              user_id: str | None = None, since: int | str | None = None,
              until: int | str | None = None, page_num: int | None = None,
              page_size: int | None = None) -> dict:
        """chats: the envelope, with `data.chats` and `page`."""
        return self.call("chats", _fields(status=status, operatorId=operator_id, userId=user_id,
                                          since=since, until=until, pageNum=page_num,
                                          pageSize=page_size))

    def chat_info(self, chat_id: str) -> dict:
        return self._data("chatInfo", {"chatId": chat_id})

    def search_messages(self, keyword: str, *, chat_id: str | None = None,
                        type: str | None = None, since: int | str | None = None,
                        until: int | str | None = None, page_num: int | None = None,
                        page_size: int | None = None) -> dict:
        """searchMessages: the envelope, with `data.keyword`, `data.hits` and `page`."""
        return self.call("searchMessages", _fields(keyword=keyword, chatId=chat_id, type=type,
                                                   since=since, until=until, pageNum=page_num,
                                                   pageSize=page_size))

    def chat_transcript(self, chat_id: str, *, format: str | None = None) -> dict:
        """chatTranscript: `data` with chatId, format, contentType, fileName and content."""
        return self._data("chatTranscript", _fields(chatId=chat_id, format=format))

    # --- events ---

    def events(self, *, after: str | None = None, chat_id: str | None = None,
               types: list[str] | None = None, limit: int | None = None,
               wait_ms: int | None = None) -> dict:
        """events (long poll): `data` = {"events": [...], "next": cursor}; pass `next` back as
        `after`. An expired cursor raises OpchatError 410 whose `answer["data"]["oldest"]` is the
        oldest cursor still valid."""
        body = _fields(after=after, chatId=chat_id, types=types, limit=limit, waitMs=wait_ms)
        return self.call("events", body, timeout=self.timeout + (wait_ms or 0) / 1000)["data"]

    def live_path(self, *, after: str | None = None, chat_id: str | None = None,
                  types: list[str] | None = None) -> str:
        """The signed path and query of GET /op/v2/live (empty body, no timestamp and nonce, so
        the same URL stays valid for reconnections; hmac-sha256 signs `GET`)."""
        path = "/op/v2/live"
        params = {"apiVersion": "01", "client": self.client, "channel": self.channel,
                  "version": "2.0"}
        if self.sign_method != "md5":
            params["signMethod"] = self.sign_method
        if after is not None:
            params["after"] = str(after)
        if chat_id:
            params["chatId"] = chat_id
        if types:
            params["types"] = ",".join(types)
        params["sign"] = sign_query(params, b"", self.secret, method=self.sign_method, path=path,
                                    http_method="GET")
        return f"{path}?{urllib.parse.urlencode(params, quote_via=urllib.parse.quote)}"

    def live_events(self, after: str | None = None, chat_id: str | None = None,
                    types: list[str] | None = None, *, idle_timeout: float = 75.0) -> LiveEvents:
        """Live events over Server-Sent Events (GET /op/v2/live, Accept: text/event-stream): an
        iterator of event dicts in cursor order, each exactly once. A dropped connection (or no
        byte for `idle_timeout` seconds; the server pings every 30 s), an `event: close` other
        than 4410, and a 429/503 refusal reconnect with `Last-Event-ID` = the last id, after
        0.5 s doubling to 10 s. It raises OpchatError on a 400/401/403/410 refusal (any 4xx but
        429) and on `event: close` with code 4410 (as code 410). `close()` stops it, from any
        thread."""
        return LiveEvents(self, after=after, chat_id=chat_id, types=types,
                          idle_timeout=idle_timeout)


class LiveEvents:
    """The iterator of OpchatClient.live_events(). `last_id` is the cursor a reconnection resumes
    from, `connections` how many streams were opened, `socket` the current stream's socket."""

    BACKOFF_FIRST = 0.5
    BACKOFF_MAX = 10.0

    def __init__(self, op: OpchatClient, *, after: str | None, chat_id: str | None,
                 types: list[str] | None, idle_timeout: float):
        self.op = op
        self.last_id = after
        self.path = op.live_path(after=after, chat_id=chat_id, types=types)
        self.idle_timeout = idle_timeout
        self.connections = 0
        self.socket: socket.socket | None = None
        self._closed = threading.Event()
        self._gen = self._run()

    def __iter__(self) -> LiveEvents:
        return self

    def __next__(self) -> dict:
        if self._closed.is_set():
            raise StopIteration
        return next(self._gen)

    def close(self) -> None:
        """Stops: the current stream is cut and iteration ends (StopIteration)."""
        self._closed.set()
        sock = self.socket
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> LiveEvents:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _run(self) -> Iterator[dict]:
        url = urllib.parse.urlsplit(self.op.base_url)
        delay = self.BACKOFF_FIRST
        while not self._closed.is_set():
            connection = http.client.HTTPConnection(url.hostname, url.port or 80,
                                                    timeout=self.op.timeout)
            try:
                headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
                if self.last_id is not None:
                    headers["Last-Event-ID"] = str(self.last_id)
                try:
                    connection.connect()
                    self.socket = connection.sock
                    if self._closed.is_set():
                        return
                    connection.request("GET", self.path, headers=headers)
                    response = connection.getresponse()
                except (OSError, http.client.HTTPException):
                    pass  # no answer: retry below
                else:
                    content_type = response.getheader("Content-Type", "")
                    if response.status != 200 or not content_type.startswith("text/event-stream"):
                        error = _refusal(response)
                        if 400 <= error.code < 500 and error.code != 429:  # 400/401/403/410
                            raise error
                    else:
                        self.connections += 1
                        delay = self.BACKOFF_FIRST
                        self.socket.settimeout(self.idle_timeout)
                        for event in _read_stream(response):
                            if self._closed.is_set():
                                return
                            if event[0] == "close":
                                code = int(event[1].get("code") or 0)
                                if code == 4410:
                                    raise OpchatError(410, f"cursor expired: {event[1].get('reason')}",
                                                      event[1])
                                break  # too slow, storage unavailable: resume
                            self.last_id = event[1].get("id", event[2])
                            yield event[1]
            finally:
                self.socket = None
                connection.close()
            if self._closed.wait(delay):
                return
            delay = min(delay * 2, self.BACKOFF_MAX)


def _refusal(response: http.client.HTTPResponse) -> OpchatError:
    """The OpchatError of a JSON refusal (or of whatever else came instead of a stream)."""
    try:
        text = response.read()
    except (OSError, http.client.HTTPException):
        text = b""
    try:
        answer = json.loads(text)
        return OpchatError(int(answer.get("code") or response.status), str(answer.get("message")),
                           answer)
    except (ValueError, AttributeError):
        return OpchatError(response.status, f"not an event stream: {text[:200]!r}")


def _read_stream(response: http.client.HTTPResponse) -> Iterator[tuple[str, dict, str | None]]:
    """Parses Server-Sent Events: yields (event type, parsed data, id) per dispatched event and
    returns when the stream ends or breaks."""
    data: list[str] = []
    kind, event_id = "", None
    while True:
        try:
            raw = response.readline()
        except (OSError, http.client.HTTPException, ValueError):
            return
        if not raw:
            return
        if not raw.endswith(b"\n"):
            return  # cut mid-line: the partial event is not dispatched
        line = raw.rstrip(b"\r\n").decode("utf-8", "replace")
        if line == "":
            if data:
                try:
                    payload = json.loads("\n".join(data))
                except ValueError:
                    payload = None
                if isinstance(payload, dict):
                    yield (kind or "message", payload, event_id)
            data, kind = [], ""
            continue
        if line.startswith(":"):
            continue  # a comment: ping
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "event":
            kind = value
        elif name == "id":
            event_id = value



# --- webhooks (docs/webhooks.md) ---

class WebhookVerificationError(Exception):
    """A webhook delivery that is not authentic, or too old."""


def verify_webhook(secrets: str | list[str], headers: dict[str, str], body: bytes | str, *,
                   tolerance_s: int = 300, now_s: float | None = None) -> dict:
    """Verifies a delivery (Standard Webhooks 1.0) and returns its parsed body.

    `secrets`: one "whsec_..." secret or several (during a rotation either may sign); `headers`:
    the request's headers, names in any case; `body`: the raw body exactly as received. Raises
    WebhookVerificationError on a missing header, no matching signature, or a timestamp more
    than `tolerance_s` seconds from now.
    """
    lower = {k.lower(): v for k, v in headers.items()}

    def header(name: str) -> str:
        value = lower.get(name)
        if not value:
            raise WebhookVerificationError(f"missing {name}")
        return value

    msg_id, timestamp = header("webhook-id"), header("webhook-timestamp")
    signatures = header("webhook-signature").split(" ")
    now = time.time() if now_s is None else now_s
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance_s:
        raise WebhookVerificationError("timestamp outside the tolerance")
    raw = body.encode() if isinstance(body, str) else body
    for secret in [secrets] if isinstance(secrets, str) else secrets:
        if not secret.startswith("whsec_"):
            raise ValueError("a webhook secret starts with whsec_")
        key = base64.b64decode(secret[len("whsec_"):])
        digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + raw, hashlib.sha256).digest()
        expected = base64.b64encode(digest).decode()
        for signature in signatures:
            version, _, value = signature.partition(",")
            if version == "v1" and hmac.compare_digest(value, expected):
                return json.loads(raw)
    raise WebhookVerificationError("no matching signature")
