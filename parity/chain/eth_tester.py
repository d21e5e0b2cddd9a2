"""The default chain: eth-tester + py-evm in process (Cancun rules), one transaction per mined block.

Transactions go straight to the py-evm MiningChain behind eth-tester (no estimate_gas, no receipt
round trip): the computation gives the return data, the receipt the logs and gas. A reverted
transaction is dropped by restoring the pending header, so nothing is mined and no nonce is used.
``EthTesterChain.w3`` is a web3.py view of the same chain for anything not on the fast path.
"""

from __future__ import annotations

from typing import Any, Sequence

from eth.exceptions import Revert as EVMRevert
from eth.vm.forks import CancunVM
from eth.vm.spoof import SpoofTransaction
from eth_tester import EthereumTester, PyEVMBackend
from eth_utils import to_canonical_address, to_checksum_address
from web3 import EthereumTesterProvider, Web3

from .base import DEFAULT_TX_GAS, GENESIS_TIMESTAMP, Chain, Deployed, TxResult, encode_constructor
from .errors import ChainError, ContractHalt, ContractRevert

ZERO32 = b"\x00" * 32
MAX_FEE = 10**9  # wei per gas; well above the base fee of an otherwise idle chain
CALL_GAS = 30_000_000


class EthTesterChain(Chain):
    """web3.py + eth-tester + py-evm in process; deterministic genesis (timestamp GENESIS_TIMESTAMP)."""

    name = "eth-tester"

    def __init__(self, *, genesis_timestamp: int = GENESIS_TIMESTAMP, gas_limit: int = DEFAULT_TX_GAS):
        super().__init__()
        params = PyEVMBackend.generate_genesis_params(overrides={"timestamp": genesis_timestamp})
        self.backend = PyEVMBackend(genesis_parameters=params, vm_configuration=((0, CancunVM),))
        self.tester = EthereumTester(self.backend, auto_mine_transactions=True)
        self.w3 = Web3(EthereumTesterProvider(self.tester))
        self.gas_limit = gas_limit
        self._keys = {to_checksum_address(k.public_key.to_canonical_address()): k for k in self.backend.account_keys}
        self.accounts = list(self._keys)
        self._latest_vm = None

    @property
    def _chain(self):
        return self.backend.chain  # eth-tester may replace it (revert_to_snapshot)

    # -- blocks --
    def _latest_header(self):
        return self._chain.get_canonical_head()

    def block_number(self) -> int:
        return self._latest_header().block_number

    def timestamp(self) -> int:
        return self._latest_header().timestamp

    # -- transactions --
    def _nonce(self, sender: str) -> int:
        return self._chain.get_vm().state.get_nonce(to_canonical_address(sender))  # pending state

    def _signed(self, sender: str, to: bytes, data: bytes):
        key = self._keys.get(sender)
        if key is None:
            raise ValueError(f"sender: {sender} is not one of this chain's accounts {self.accounts}")
        chain = self._chain
        unsigned = chain.get_transaction_builder().new_unsigned_dynamic_fee_transaction(
            chain_id=chain.chain_id,
            nonce=self._nonce(sender),
            max_priority_fee_per_gas=0,
            max_fee_per_gas=MAX_FEE,
            gas=self.gas_limit,
            to=to,
            value=0,
            data=data,
            access_list=(),
        )
        return unsigned.as_signed_transaction(key)

    def _mine_one(self, sender: str, to: bytes, data: bytes, timestamp, function: str, inputs: tuple):
        """Apply one tx in a new block at `timestamp`; returns (receipt, computation, header)."""
        chain = self._chain
        latest = self._latest_header()
        ts = self._check_timestamp(timestamp, latest.timestamp)
        tx = self._signed(sender, to, data)
        pending = chain.header
        chain.set_header_timestamp(ts)
        try:
            _, receipt, computation = chain.apply_transaction(tx)
        except Exception as exc:  # py-evm validation errors (nonce, balance, gas, ...)
            chain.header = pending
            raise ChainError(f"{function}{inputs} could not be applied on {self.name}: {exc!r}") from exc
        if computation.is_error:
            chain.header = pending  # the state root of `pending` predates the tx: nothing happened
            self._raise(computation, function, latest.block_number + 1, inputs)
        block = chain.mine_block(mix_hash=ZERO32)
        return receipt, computation, block.header

    def _raise(self, computation, function: str, block: int, inputs: tuple):
        error = computation.error
        if isinstance(error, EVMRevert):
            data = bytes(error.args[0]) if error.args else b""
            raise ContractRevert(self.revert_reason(data), function, block, inputs, self.name, data) from error
        raise ContractHalt(f"{type(error).__name__}: {error}", function, block, inputs, self.name) from error

    def _logs(self, receipt) -> list:
        return [self._events.decode(log.address, [t.to_bytes(32, "big") for t in log.topics], log.data)
                for log in receipt.logs]

    def deploy(self, artifact, *ctor_args, sender=None, timestamp=None) -> Deployed:
        sender = self._sender(sender)
        self.register_abi(artifact.abi)
        data = encode_constructor(artifact.abi, artifact.bytecode, ctor_args)
        _, computation, _ = self._mine_one(sender, b"", data, timestamp, "constructor", tuple(ctor_args))
        address = to_checksum_address(computation.msg.storage_address)
        return Deployed(address=address, abi=artifact.abi, name=artifact.contract_name)

    def transact(self, contract: Deployed, fn: str, args: Sequence, *, timestamp=None, sender=None) -> TxResult:
        codec = self.codec(contract, fn)
        inputs = tuple(args)
        data = codec.encode(inputs)
        receipt, computation, header = self._mine_one(
            self._sender(sender), to_canonical_address(contract.address), data, timestamp, fn, inputs
        )
        return TxResult(
            block_number=header.block_number,
            timestamp=header.timestamp,
            gas_used=receipt.gas_used,
            return_value=codec.decode(computation.output),
            logs=self._logs(receipt),
        )

    def call(self, contract: Deployed, fn: str, args: Sequence = (), *, sender=None) -> Any:
        codec = self.codec(contract, fn)
        inputs = tuple(args)
        sender = self._sender(sender)
        chain = self._chain
        latest = self._latest_header()
        if self._latest_vm is None or self._latest_vm[0] != latest.hash:  # blocks mined through w3 count too
            self._latest_vm = (latest.hash, chain.get_vm(at_header=latest))
        state = self._latest_vm[1].state
        unsigned = chain.get_transaction_builder().new_unsigned_dynamic_fee_transaction(
            chain_id=chain.chain_id,
            nonce=state.get_nonce(to_canonical_address(sender)),
            max_priority_fee_per_gas=0,
            max_fee_per_gas=MAX_FEE,
            gas=CALL_GAS,
            to=to_canonical_address(contract.address),
            value=0,
            data=codec.encode(inputs),
            access_list=(),
        )
        snapshot = state.snapshot()
        try:
            computation = state.apply_transaction(SpoofTransaction(unsigned, from_=to_canonical_address(sender)))
        finally:
            state.revert(snapshot)
        if computation.is_error:
            self._raise(computation, fn, latest.block_number, inputs)
        return codec.decode(computation.output)

    def attach(self, name: str, address: str, abi: list) -> Deployed:
        if not self._chain.get_vm(at_header=self._latest_header()).state.get_code(to_canonical_address(address)):
            raise ValueError(f"address: no contract code at {address} on {self.name}")
        return super().attach(name, address, abi)
