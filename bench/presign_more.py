#!/usr/bin/env python3
"""Request files that the shared kit's presign.py does not write (same line format:
PATH_WITH_QUERY <TAB> BODY, signed with SPEC §2's md5 scheme, credentials from clients.json).

  --mode ingest   POST /op/v2/sendMessage into existing open chats (status 1, 3 or 30), each line
                  a fresh userMessageId (19 digits: 1, --tag, line number), so no line of the file
                  is a duplicate. 90% txt, 10% img; userToOperator, or operatorToUser when the
                  chat has an operator (half of those). Replay with ingest.lua, which gives every
                  wrk thread its own lines.
  --mode page     --count copies of one request: page --page of the big chat (depth sweep).
  --mode events   --count copies of one long poll: POST /op/v2/events {"after": --after, "limit": 20,
                  "waitMs": 0} on the client's first channel (20 events, like a page of history).
  --mode mix      interleave two request files: --shallow-share (default 0.8) of the lines from
                  --a, the rest from --b (the "mixed 80/20" case: shallow + deep).

  presign_more.py --data DIR --mode ingest --count 600000 --tag 17000001 --out ingest.txt
"""
import argparse
import hashlib
import itertools
import json
import os
import random
import sys
import time
from urllib.parse import quote

TEXTS_USER = ["你好，我的订单还没有发货，能帮我查一下吗？", "快递显示已签收，但我没有收到包裹。",
              "请问这个商品支持七天无理由退货吗？", "我想修改收货地址，改成公司的地址。",
              "发票什么时候可以开好？需要增值税专用发票。", "退款已经申请三天了，还没有到账。",
              "Hi, the app keeps logging me out after the update.", "优惠券为什么用不了？"]
TEXTS_OP = ["您好，这里是客服，请提供一下订单号，我马上为您查询。", "已为您登记，预计24小时内给您回复。",
            "非常抱歉给您带来不便，我们已经联系快递公司核实。", "退款会原路返回，一般1-3个工作日到账。",
            "地址已经修改成功，请您在订单详情里确认一下。", "请问还有其他可以帮您的吗？"]


NONCE_PREFIX = "%08x" % random.SystemRandom().getrandbits(32)
nonces = itertools.count(1)


def signed(path, client_id, secret, channel, body_obj):
    body = json.dumps(body_obj, ensure_ascii=False, separators=(",", ":"))
    params = [("apiVersion", "01"), ("client", client_id), ("channel", channel), ("version", "2.0")]
    if path.endswith("/sendMessage"):
        # Writes need a timestamp (within the server's window, 300 s by default: make the file
        # just before the run) and a nonce used once.
        params += [("timestamp", str(int(time.time() * 1000))),
                   ("nonce", "%s-%d" % (NONCE_PREFIX, next(nonces)))]
    canonical = "&".join("%s=%s" % kv for kv in sorted(params, key=lambda kv: kv[0].encode()))
    query = "&".join("%s=%s" % (quote(k, safe=""), quote(v, safe="")) for k, v in params)
    sign = hashlib.md5((canonical + body + secret).encode("utf-8")).hexdigest()
    return "%s?%s&sign=%s\t%s\n" % (path, query, sign, body)


def load_client(data, name):
    with open(os.path.join(data, "clients.json"), encoding="utf-8") as f:
        c = next((c for c in json.load(f) if c["name"] == name), None)
    if c is None:
        sys.exit("no client %r in clients.json" % name)
    return c


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="folder written by gen.py")
    ap.add_argument("--mode", choices=["ingest", "page", "mix", "events"], required=True)
    ap.add_argument("--after", default="0", help="events: the cursor, or now (no cursor)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=50000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--tag", type=int, default=0, help="ingest: 0..99999999999, makes ids unique per run")
    ap.add_argument("--page", type=int, default=1)
    ap.add_argument("--page-size", type=int, default=20)
    ap.add_argument("--a", help="mix: the file most lines come from")
    ap.add_argument("--b", help="mix: the other file")
    ap.add_argument("--shallow-share", type=float, default=0.8)
    ap.add_argument("--client-name", default="all-channels")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    out = []

    if a.mode == "mix":
        la = open(a.a, encoding="utf-8").readlines()
        lb = open(a.b, encoding="utf-8").readlines()
        ia = ib = 0
        for _ in range(a.count):
            if rnd.random() < a.shallow_share:
                out.append(la[ia % len(la)]); ia += 1
            else:
                out.append(lb[ib % len(lb)]); ib += 1
    else:
        c = load_client(a.data, a.client_name)
        allowed = set(c["channels"])
        chats = []
        with open(os.path.join(a.data, "chats.ndjson"), encoding="utf-8") as f:
            for line in f:
                ch = json.loads(line)
                if ch["channel"] in allowed:
                    chats.append(ch)
        if a.mode == "events":
            body = {"limit": 20, "waitMs": 0}
            if a.after != "now":  # without a cursor: the answer's `next` is the channel's head
                body["after"] = a.after
            line = signed("/op/v2/events", c["clientId"], c["secret"], c["channels"][0], body)
            out = [line] * a.count
        elif a.mode == "page":
            big = next((ch for ch in chats if ch["big"]), None)
            if big is None:
                sys.exit("no big chat on the client's channels")
            line = signed("/op/v2/operatorToUserChatMessages", c["clientId"], c["secret"], big["channel"],
                          {"chatId": big["chatId"], "pageNum": a.page, "pageSize": a.page_size})
            out = [line] * a.count
        else:
            open_chats = [ch for ch in chats if ch["status"] in (1, 3, 30) and not ch["big"]]
            if not open_chats:
                sys.exit("no open chat (status 1, 3, 30) in chats.ndjson")
            if not 0 <= a.tag < 10 ** 11:
                sys.exit("--tag must have at most 11 digits")
            base = 10 ** 18 + a.tag * 10 ** 7
            if a.count >= 10 ** 7:
                sys.exit("--count must be < 10,000,000")
            for i in range(a.count):
                ch = open_chats[int(rnd.random() * len(open_chats))]
                to_op = not ch.get("operatorId") or rnd.random() < 0.5
                body = {"chatId": ch["chatId"], "direction": "userToOperator" if to_op else "operatorToUser",
                        "userMessageId": str(base + i)}
                if rnd.random() < 0.9:
                    body["type"] = "txt"
                    body["msg"] = rnd.choice(TEXTS_USER if to_op else TEXTS_OP)
                else:
                    body["type"] = "img"
                    body["url"] = "/chat/img/bench/%d.jpg" % (base + i)
                    body["filename"] = "photo.jpg"
                    body["file_length"] = 100000 + int(rnd.random() * 900000)
                out.append(signed("/op/v2/sendMessage", c["clientId"], c["secret"], ch["channel"], body))

    with open(a.out, "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(out))
    print("wrote %d %s requests to %s" % (len(out), a.mode, a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
