"""A chain behind a JSON-RPC node (hardhat, anvil, a fork of mainnet) through web3's HTTPProvider.

Each ``transact`` first runs the transaction as an ``eth_call`` on the pending block (same state, block
number and, after ``evm_setNextBlockTimestamp``, the same timestamp): a revert raises ContractRevert
before anything is sent, so nothing is mined, and its output is the transaction's return value (a
receipt carries none). The transaction is then sent from a node-managed account (or one of
``private_keys``) with an explicit gas limit and mined by the node (automine).
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from web3 import Web3
from web3.exceptions import ContractLogicError, Web3Exception
from web3.middleware import SignAndSendRawMiddlewareBuilder

from .base import DEFAULT_TX_GAS, Chain, Deployed, TxResult, encode_constructor
from .errors import ChainError, ContractRevert

_HEX = re.compile(r"^0x[0-9a-fA-F]*$")


def _revert_data(exc: ContractLogicError) -> bytes | None:
    """Raw revert data carried by web3's ContractLogicError, or None when there is none."""
    data = exc.data
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and _HEX.match(data):
        return bytes.fromhex(data[2:])
    return None


class RpcChain(Chain):
    """web3 HTTPProvider to `url`; `attach` to contracts already deployed there."""

    name = "rpc"

    def __init__(self, *, url: str, private_keys: Sequence[str] = (), gas_limit: int = DEFAULT_TX_GAS,
                 timeout: float = 120.0):
        super().__init__()
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError(f"url: got {url!r}, must be an http(s):// JSON-RPC endpoint")
        self.url = url
        self.gas_limit = gas_limit
        self.w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout}))
        signer_accounts = []
        if private_keys:
            self.w3.middleware_onion.inject(
                SignAndSendRawMiddlewareBuilder.build(list(private_keys)), name="parity_signer", layer=0
            )
            signer_accounts = [self.w3.eth.account.from_key(k).address for k in private_keys]
        try:
            self.chain_id = self.w3.eth.chain_id
            node_accounts = list(self.w3.eth.accounts)
        except Exception as exc:
            raise ChainError(f"url: no JSON-RPC node answering at {url}: {exc!r}") from exc
        self.accounts = signer_accounts + [a for a in node_accounts if a not in signer_accounts]
        if not self.accounts:
            raise ChainError(f"the node at {url} manages no accounts; pass private_keys=[...] to send transactions")

    def block_number(self) -> int:
        return self.w3.eth.block_number

    def timestamp(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]

    def _set_next_timestamp(self, timestamp: int | None) -> None:
        if timestamp is None:
            return
        timestamp = self._check_timestamp(timestamp, self.timestamp())
        response = self.w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
        if "error" in response:
            raise ChainError(
                f"timestamp: the node at {self.url} refused evm_setNextBlockTimestamp({timestamp}): "
                f"{response['error']}; it cannot mine at a chosen timestamp, pass timestamp=None"
            )

    def _preflight(self, tx: dict, function: str, inputs: tuple) -> bytes:
        try:
            return bytes(self.w3.eth.call(tx, "pending"))
        except ContractLogicError as exc:
            raise self._reverted(exc, function, inputs, pending=True) from exc

    def _reverted(self, exc: ContractLogicError, function: str, inputs: tuple, *, pending: bool) -> ChainError:
        """ContractRevert with the canonical reason (block: the pending one, or the latest for a call);
        a ChainError when the node gave no revert data."""
        data = _revert_data(exc)
        if data is None:
            return ChainError(f"{function}{inputs} failed on {self.name} ({self.url}): {exc!r}")
        block = self.block_number() + (1 if pending else 0)
        return ContractRevert(self.revert_reason(data), function, block, inputs, self.name, data)

    def _send(self, tx: dict, function: str, inputs: tuple):
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(self.w3.eth.send_transaction(tx))
        except Web3Exception as exc:
            raise ChainError(f"{function}{inputs} failed on {self.name} ({self.url}): {exc!r}") from exc
        if receipt["status"] != 1:
            raise ChainError(
                f"{function}{inputs} passed its eth_call but its transaction failed in block "
                f"{receipt['blockNumber']} on {self.url} (state changed between the call and the block?)"
            )
        return receipt

    def _logs(self, receipt) -> list:
        return [self._events.decode(log["address"], log["topics"], log["data"]) for log in receipt["logs"]]

    def deploy(self, artifact, *ctor_args, sender=None, timestamp=None) -> Deployed:
        self.register_abi(artifact.abi)
        inputs = tuple(ctor_args)
        tx = {"from": self._sender(sender), "data": encode_constructor(artifact.abi, artifact.bytecode, inputs),
              "gas": self.gas_limit}
        self._set_next_timestamp(timestamp)
        self._preflight(tx, "constructor", inputs)
        receipt = self._send(tx, "constructor", inputs)
        return Deployed(address=receipt["contractAddress"], abi=artifact.abi, name=artifact.contract_name)

    def transact(self, contract: Deployed, fn: str, args: Sequence, *, timestamp=None, sender=None) -> TxResult:
        codec = self.codec(contract, fn)
        inputs = tuple(args)
        tx = {"from": self._sender(sender), "to": contract.address, "data": codec.encode(inputs), "gas": self.gas_limit}
        self._set_next_timestamp(timestamp)
        output = self._preflight(tx, fn, inputs)
        receipt = self._send(tx, fn, inputs)
        block = self.w3.eth.get_block(receipt["blockNumber"])
        return TxResult(
            block_number=receipt["blockNumber"],
            timestamp=block["timestamp"],
            gas_used=receipt["gasUsed"],
            return_value=codec.decode(output),
            logs=self._logs(receipt),
        )

    def call(self, contract: Deployed, fn: str, args: Sequence = (), *, sender=None) -> Any:
        codec = self.codec(contract, fn)
        inputs = tuple(args)
        tx = {"from": self._sender(sender), "to": contract.address, "data": codec.encode(inputs)}
        try:
            output = bytes(self.w3.eth.call(tx, "latest"))
        except ContractLogicError as exc:
            raise self._reverted(exc, fn, inputs, pending=False) from exc
        return codec.decode(output)

    def attach(self, name: str, address: str, abi: list) -> Deployed:
        if not self.w3.eth.get_code(Web3.to_checksum_address(address)):
            raise ValueError(f"address: no contract code at {address} on {self.url}")
        return super().attach(name, address, abi)
