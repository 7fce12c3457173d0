"""A client for the opchat Op API v2, standard library only (Python 3.11+).

    from opchat_client import OpchatClient, OpchatError
    op = OpchatClient("http://127.0.0.1:8080", client="...", secret="...", channel="web-shop")
    chat = op.create_chat(user_id="u0001c0ffee")
    op.accept_chat(chat["chatId"], operator_id="op-7")
    op.send_message(chat["chatId"], direction="operatorToUser", type="txt", msg="您好")
    page = op.history(chat["chatId"], page_num=1, page_size=20)

Each method signs its request (md5 or hmac-sha256, docs/api.md "Signing"), adds `timestamp` and a
fresh `nonce` on write endpoints, posts it and returns the answer's `data` as a dict, or, for paged
endpoints and sendMessage, the whole envelope. An answer whose `code` is not 200 raises
OpchatError carrying `code` and `message`. A client object is safe to share between threads.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

__all__ = ["OpchatClient", "OpchatError", "WRITE_ENDPOINTS", "sign_query"]

# Endpoints that require timestamp and nonce and refuse body fields they do not take.
WRITE_ENDPOINTS = frozenset({"createChat", "acceptChat", "suspendChat", "resumeChat", "endChat",
                             "deleteChat", "sendMessage"})


class OpchatError(Exception):
    """An error answer of the API: `code` (= the HTTP status) and `message` (names the field on
    a 400). `code` is 0 when no answer arrived (connection refused, timeout, not JSON)."""

    def __init__(self, code: int, message: str, answer: dict | None = None):
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.answer = answer


def sign_query(params: dict[str, str], body: bytes, secret: str, *, method: str = "md5",
               path: str = "") -> str:
    """The signature of a request: `params` are the query parameters without `sign`, `body` the
    raw body bytes, `path` the endpoint's path (used by hmac-sha256 only)."""
    canonical = "&".join(f"{k}={params[k]}" for k in sorted(params)).encode()
    if method == "md5":
        return hashlib.md5(canonical + body + secret.encode()).hexdigest()
    if method == "hmac-sha256":
        message = b"POST\n" + path.encode() + b"\n" + canonical + body
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

    def call(self, endpoint: str, body: dict[str, Any], *, stamp: bool | None = None) -> dict:
        """Signs and posts `body` to /op/v2/<endpoint>; returns the whole answer (the envelope).
        Writes are stamped with timestamp and nonce; `stamp=True` stamps a read too."""
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
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
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
