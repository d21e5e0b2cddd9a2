"""A JSON-RPC node read for its history: requests go out in batches (web3's batch requests), every answer is
kept so nothing is read twice, eth_getLogs is paged, and the failures a user can act on become one line.

Round-trip time (sending a batch and decoding the answer) is summed in `stats`, so a caller can say which
share of its time the node took (benchmarks/audit.py).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any, Sequence

from parity.errors import UsageError

# What nodes answer for state they no longer keep (geth/erigon/nethermind/besu/reth and hosted providers).
_NO_HISTORY = re.compile(
    r"missing trie node|state.{0,40}not available|not available.{0,40}state|historical state|state histor"
    r"|pruned|archive|header not found|unknown block|state is not available|required historical", re.I)
_TOO_MANY_LOGS = re.compile(r"too many|limit|range|exceed|timeout|timed out|response size|query returned", re.I)


class NodeError(UsageError):
    """The node cannot answer what the audit needs (one line naming the node, the request and what to do)."""


class HistoryUnavailable(NodeError):
    """The node does not keep the state at a past block."""


@dataclass(frozen=True)
class RpcFailure:
    """A JSON-RPC error answer to one request of a batch."""

    code: int | None
    message: str
    data: Any = None

    def revert_data(self) -> bytes | None:
        data = self.data.get("data") if isinstance(self.data, dict) else self.data
        if isinstance(data, str) and re.fullmatch(r"0x[0-9a-fA-F]*", data):
            return bytes.fromhex(data[2:])
        return None

    def history_gone(self) -> bool:
        return bool(_NO_HISTORY.search(self.message))


def hex_block(block: int | str) -> str:
    return block if isinstance(block, str) else hex(int(block))


def history_hint(url: str, block: int, failure: RpcFailure) -> HistoryUnavailable:
    return HistoryUnavailable(
        f"the node at {url} cannot serve the state at block {block} (it answered: {failure.message}); an audit reads "
        "eth_call at past blocks: use an archive node, or a local fork of one (anvil --fork-url URL, hardhat node "
        "--fork URL)")


class Node:
    """Batched, cached JSON-RPC to one node (web3's HTTPProvider)."""

    def __init__(self, url: str, *, timeout: float = 60.0, batch_size: int = 200, log_page: int = 10_000):
        from web3 import Web3

        self.url = url
        self.batch_size = batch_size
        self.log_page = log_page
        self.w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout}))
        self._cache: dict[str, Any] = {}
        self.stats = {"requests": 0, "batches": 0, "round_trip_s": 0.0, "cache_hits": 0}

    # ---- transport ---------------------------------------------------------------------------------
    def _post(self, batch: list) -> list:
        t0 = time.perf_counter()
        try:
            answer = self.w3.provider.make_batch_request(batch)
        except Exception as e:  # connection refused, timeout, not JSON, HTTP error
            raise NodeError(f"--rpc-url {self.url}: no JSON-RPC node answering ({_reason(e)})") from None
        finally:
            self.stats["round_trip_s"] += time.perf_counter() - t0
            self.stats["batches"] += 1
            self.stats["requests"] += len(batch)
        if not isinstance(answer, list):  # the whole batch refused (e.g. a node without batch support)
            error = answer.get("error", answer) if isinstance(answer, dict) else answer
            raise NodeError(f"--rpc-url {self.url}: the node refused a batch of {len(batch)} requests: {error}")
        return answer

    def many(self, requests: Sequence[tuple[str, list]]) -> list:
        """The results of (method, params) requests in order (an RpcFailure for an error answer); answers
        already read are not asked again, and a request repeated within the call is sent once."""
        keys = [json.dumps([m, p], sort_keys=True) for m, p in requests]
        todo = {}
        for key, req in zip(keys, requests):
            if key in self._cache:
                self.stats["cache_hits"] += 1
            else:
                todo.setdefault(key, req)
        pending = list(todo.items())
        for start in range(0, len(pending), self.batch_size):
            chunk = pending[start:start + self.batch_size]
            for (key, _), answer in zip(chunk, self._post([req for _, req in chunk])):
                self._cache[key] = _result(answer)
        return [self._cache[k] for k in keys]

    def one(self, method: str, params: list, block: int | None = None):
        """One request's result; NodeError for an error answer (HistoryUnavailable for a pruned `block`)."""
        result = self.many([(method, params)])[0]
        if isinstance(result, RpcFailure):
            if block is not None and result.history_gone():
                raise history_hint(self.url, block, result)
            raise NodeError(f"--rpc-url {self.url}: {method} failed: {result.message}")
        return result

    # ---- helpers -----------------------------------------------------------------------------------
    def calls(self, calls: Sequence[tuple[str, str, int | str]]) -> list:
        """eth_call of (to, calldata, block) triples: bytes, or an RpcFailure (a revert, or no state there).
        A failure because the node does not keep that block's state raises HistoryUnavailable."""
        results = self.many([("eth_call", [{"to": to, "data": data}, hex_block(block)]) for to, data, block in calls])
        out = []
        for (_, _, block), r in zip(calls, results):
            if isinstance(r, RpcFailure):
                if r.history_gone():
                    raise history_hint(self.url, block, r)
                out.append(r)
            else:
                out.append(bytes.fromhex(r[2:]) if isinstance(r, str) else b"")
        return out

    def logs(self, filters: Sequence[dict], from_block: int, to_block: int) -> list[dict]:
        """Every log matching any of `filters` ({address, topics}) in [from_block, to_block], in chain order,
        read in pages of `log_page` blocks (halved where the node refuses a page as too large)."""
        pages = [(f, lo, min(lo + self.log_page - 1, to_block)) for f in filters
                 for lo in range(from_block, to_block + 1, self.log_page)]
        found: dict = {}
        while pages:
            answers = self.many([("eth_getLogs", [{**f, "fromBlock": hex(lo), "toBlock": hex(hi)}]) for f, lo, hi in pages])
            retry = []
            for (f, lo, hi), answer in zip(pages, answers):
                if isinstance(answer, RpcFailure):
                    retry.extend(self._split_page(f, lo, hi, answer))
                    continue
                for log in answer:
                    found[(int(log["blockNumber"], 16), int(log["logIndex"], 16))] = log
            pages = retry
        return [found[key] for key in sorted(found)]

    def _split_page(self, f: dict, lo: int, hi: int, failure: RpcFailure) -> list:
        if failure.history_gone():
            raise history_hint(self.url, lo, failure)
        if hi == lo or not _TOO_MANY_LOGS.search(failure.message):
            raise NodeError(f"--rpc-url {self.url}: eth_getLogs over blocks {lo}..{hi} failed: {failure.message}")
        mid = (lo + hi) // 2
        return [(f, lo, mid), (f, mid + 1, hi)]


def _reason(e: Exception) -> str:
    """The innermost useful words of a transport error (e.g. "[Errno 111] Connection refused")."""
    text = str(e)
    errno = re.findall(r"\[Errno -?\d+\] [^'\")]+", text)
    return errno[-1].strip() if errno else f"{type(e).__name__}: {text[:160]}"


def _result(answer: dict):
    if "error" in answer:
        e = answer["error"] if isinstance(answer["error"], dict) else {"message": str(answer["error"])}
        return RpcFailure(e.get("code"), str(e.get("message", "")), e.get("data"))
    return answer.get("result")
