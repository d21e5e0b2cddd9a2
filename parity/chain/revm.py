"""The fast chain: pyrevm in process (Cancun rules). Blocks are emulated: every transaction runs in its
own block environment (number = latest + 1, the requested timestamp), exactly as the other backends mine
them. Same accounts, chain id and nonces as the eth-tester backend, so contract addresses agree too.

Known difference: pyrevm keeps one journal across message calls, so EIP-2929 warm/cold access state and
EIP-2200 "original" storage values carry over from earlier transactions. Return values, storage, logs and
reverts are unaffected; ``TxResult.gas_used`` can be lower than on the other backends.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from eth_keys import keys
from eth_utils import to_checksum_address
from pyrevm import EVM, AccountInfo, BlockEnv, CfgEnv, Env

from .base import DEFAULT_TX_GAS, GENESIS_TIMESTAMP, Chain, Deployed, TxResult, encode_constructor
from .errors import ChainError, ContractHalt, ContractRevert

CHAIN_ID = 131277322940537  # eth-tester's chain id
N_ACCOUNTS = 10
INITIAL_BALANCE = 10**24  # 1,000,000 ether, as eth-tester
ZERO32 = b"\x00" * 32
CALL_GAS = 30_000_000
_REVERT = re.compile(r"Revert \{ gas_used: \d+, output: 0x([0-9a-fA-F]*) \}")
_HALT = re.compile(r"Halt \{ reason: (.*), gas_used: \d+ \}")


def default_accounts(n: int = N_ACCOUNTS) -> list[str]:
    """eth-tester's default accounts: the addresses of private keys 1..n."""
    return [keys.PrivateKey(i.to_bytes(32, "big")).public_key.to_checksum_address() for i in range(1, n + 1)]


class RevmChain(Chain):
    """pyrevm (revm) in process; one emulated block per transaction; gas price 0."""

    name = "revm"

    def __init__(self, *, genesis_timestamp: int = GENESIS_TIMESTAMP, gas_limit: int = DEFAULT_TX_GAS,
                 code_size_limit: int | None = None):
        """code_size_limit: the largest runtime code a deployment may leave (default EIP-170's 24,576 bytes;
        a larger value lifts it, as Hardhat's allowUnlimitedContractSize does for V1's legacy-built pool)."""
        super().__init__()
        self.gas_limit = gas_limit
        self._number = 0
        self._timestamp = genesis_timestamp
        cfg = CfgEnv(chain_id=CHAIN_ID) if code_size_limit is None else \
            CfgEnv(chain_id=CHAIN_ID, limit_contract_code_size=code_size_limit)
        self.evm = EVM(env=Env(cfg=cfg, block=self._block_env(0, genesis_timestamp)), spec_id="CANCUN")
        self.accounts = default_accounts()
        for account in self.accounts:
            self.evm.set_balance(account, INITIAL_BALANCE)

    @staticmethod
    def _block_env(number: int, timestamp: int) -> BlockEnv:
        return BlockEnv(number=number, timestamp=timestamp, prevrandao=ZERO32, basefee=0)

    def block_number(self) -> int:
        return self._number

    def timestamp(self) -> int:
        return self._timestamp

    def _set_nonce(self, sender: str, nonce: int) -> None:
        info = self.evm.basic(sender)
        balance = info.balance
        self.evm.insert_account_info(sender, AccountInfo(nonce=nonce, code_hash=info.code_hash, code=info.code))
        self.evm.set_balance(sender, balance)

    def _failure(self, exc: RuntimeError, function: str, block: int, inputs: tuple) -> Exception:
        text = str(exc)
        m = _REVERT.search(text)
        if m:
            data = bytes.fromhex(m.group(1))
            return ContractRevert(self.revert_reason(data), function, block, inputs, self.name, data)
        m = _HALT.search(text)
        if m:
            return ContractHalt(m.group(1), function, block, inputs, self.name)
        return ChainError(f"{function}{inputs} failed on {self.name} at block {block}: {text}")

    def _in_new_block(self, run, timestamp, function: str, inputs: tuple):
        ts = self._check_timestamp(timestamp, self._timestamp)
        number = self._number + 1
        self.evm.set_block_env(self._block_env(number, ts))
        self.evm.reset_transient_storage()  # EIP-1153: transient storage lives for one transaction
        try:
            out = run()
        except RuntimeError as exc:
            self.evm.set_block_env(self._block_env(self._number, self._timestamp))
            raise self._failure(exc, function, number, inputs) from exc
        self._number, self._timestamp = number, ts
        return out

    def _logs(self, result) -> list:
        return [self._events.decode(log.address, log.data[0], log.data[1]) for log in result.logs]

    def deploy(self, artifact, *ctor_args, sender=None, timestamp=None) -> Deployed:
        sender = self._sender(sender)
        self.register_abi(artifact.abi)
        code = encode_constructor(artifact.abi, artifact.bytecode, ctor_args)
        nonce = self.evm.basic(sender).nonce
        try:
            address = self._in_new_block(
                lambda: self.evm.deploy(sender, code, gas=self.gas_limit), timestamp, "constructor", tuple(ctor_args)
            )
        except ChainError:
            self._set_nonce(sender, nonce)  # revm counts the failed CREATE; a reverted attempt mines nothing
            raise
        return Deployed(address=to_checksum_address(address), abi=artifact.abi, name=artifact.contract_name)

    def transact(self, contract: Deployed, fn: str, args: Sequence, *, timestamp=None, sender=None) -> TxResult:
        codec = self.codec(contract, fn)
        inputs = tuple(args)
        data = codec.encode(inputs)
        sender = self._sender(sender)
        out = self._in_new_block(
            lambda: self.evm.message_call(sender, contract.address, data, gas=self.gas_limit), timestamp, fn, inputs
        )
        self._set_nonce(sender, self.evm.basic(sender).nonce + 1)  # message_call does not count it; a tx does
        result = self.evm.result
        return TxResult(
            block_number=self._number,
            timestamp=self._timestamp,
            gas_used=result.gas_used,
            return_value=codec.decode(bytes(out)),
            logs=self._logs(result),
        )

    def transact_raw(self, contract: Deployed, fn: str, arg_data: bytes, *, timestamp=None, sender=None) -> TxResult:
        """As :meth:`transact`, with the ABI-encoded arguments given as raw bytes (malformed calldata allowed);
        `fn` selects the function (its selector and its output decoding)."""
        codec = self.codec(contract, fn)
        data = codec.selector + bytes(arg_data)
        inputs = ("0x" + bytes(arg_data).hex(),)
        sender = self._sender(sender)
        out = self._in_new_block(
            lambda: self.evm.message_call(sender, contract.address, data, gas=self.gas_limit), timestamp, fn, inputs
        )
        self._set_nonce(sender, self.evm.basic(sender).nonce + 1)
        result = self.evm.result
        return TxResult(self._number, self._timestamp, result.gas_used, codec.decode(bytes(out)), self._logs(result))

    def call_raw(self, contract: Deployed, fn: str, arg_data: bytes, *, sender=None, gas: int = CALL_GAS) -> Any:
        """As :meth:`call`, with raw argument bytes (and an optional gas limit for very long calldata)."""
        codec = self.codec(contract, fn)
        data = codec.selector + bytes(arg_data)
        checkpoint = self.evm.snapshot()
        try:
            out = self.evm.message_call(self._sender(sender), contract.address, data, gas=gas)
        except RuntimeError as exc:
            raise self._failure(exc, fn, self._number, ("0x" + bytes(arg_data)[:64].hex() + "...",)) from exc
        finally:
            self.evm.revert(checkpoint)
        return codec.decode(bytes(out))

    def call(self, contract: Deployed, fn: str, args: Sequence = (), *, sender=None) -> Any:
        codec = self.codec(contract, fn)
        inputs = tuple(args)
        checkpoint = self.evm.snapshot()
        try:
            out = self.evm.message_call(self._sender(sender), contract.address, codec.encode(inputs), gas=CALL_GAS)
        except RuntimeError as exc:
            raise self._failure(exc, fn, self._number, inputs) from exc
        finally:
            self.evm.revert(checkpoint)
        return codec.decode(bytes(out))

    def attach(self, name: str, address: str, abi: list) -> Deployed:
        if not self.evm.get_code(to_checksum_address(address)):
            raise ValueError(f"address: no contract code at {address} on {self.name}")
        return super().attach(name, address, abi)
