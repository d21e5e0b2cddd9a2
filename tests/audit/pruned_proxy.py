"""A JSON-RPC proxy on 127.0.0.1 that forwards to a node but, like a full (non-archive) geth node, refuses the
state of blocks older than the latest `keep`: eth_call, eth_getCode, eth_getBalance and eth_getStorageAt at
such a block answer geth's "missing trie node" error; and, like a hosted node, refuses eth_getLogs over more
than `max_log_range` blocks. Batches are answered request by request. It also counts what it forwarded."""

from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE_METHODS = {"eth_call": 1, "eth_getCode": 1, "eth_getBalance": 1, "eth_getStorageAt": 2}


def _post(url: str, body) -> object:
    req = urllib.request.Request(url, json.dumps(body).encode(), {"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


class PrunedProxy:
    """`with PrunedProxy(upstream, keep=16) as url:` a node URL that keeps only the last `keep` blocks' state."""

    def __init__(self, upstream: str, keep: int | None = 16, max_log_range: int | None = None):
        self.upstream, self.keep, self.max_log_range = upstream, keep, max_log_range
        self.seen: list = []  # (method, refused) of every request

    def _refuses(self, request: dict, latest: int) -> str | None:
        params = request.get("params") or []
        if request.get("method") == "eth_getLogs" and self.max_log_range is not None:
            f = params[0]
            if int(f["toBlock"], 16) - int(f["fromBlock"], 16) + 1 > self.max_log_range:
                return "query returned more than 10000 results"
            return None
        if self.keep is None:
            return None
        index = STATE_METHODS.get(request.get("method"))
        if index is None or len(params) <= index or not isinstance(params[index], str):
            return None
        tag = params[index]
        if tag.startswith("0x") and int(tag, 16) < latest - self.keep:
            return "missing trie node 5e3f0c2b9a4d7e61 (path ) state is not available"
        return None

    def _answer(self, body):
        requests = body if isinstance(body, list) else [body]
        latest = int(_post(self.upstream, {"jsonrpc": "2.0", "id": 0, "method": "eth_blockNumber", "params": []})["result"], 16)
        answers = []
        for r in requests:
            refused = self._refuses(r, latest)
            self.seen.append((r.get("method"), refused is not None))
            if refused:
                answers.append({"jsonrpc": "2.0", "id": r.get("id"), "error": {"code": -32000, "message": refused}})
            else:
                answers.append(_post(self.upstream, r))
        return answers if isinstance(body, list) else answers[0]

    def __enter__(self) -> str:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                raw = json.dumps(proxy._answer(body)).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
