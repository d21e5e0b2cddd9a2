"""Compile the Solidity rules and run them on a chain backend (eth-tester, revm, JSON-RPC)."""

from .base import Chain, Deployed, LogEntry, TxResult
from .compile import RULE_CONTRACTS, Artifact, CompilationError, CompilerNotFound, compile_rules, compile_sources
from .errors import ChainError, ContractHalt, ContractRevert

BACKENDS = ("eth-tester", "revm", "rpc")


def make_chain(backend: str = "eth-tester", **kwargs) -> Chain:
    """A fresh chain: "eth-tester" (default, py-evm), "revm" (pyrevm) or "rpc" (url=... of a node)."""
    if backend == "eth-tester":
        from .eth_tester import EthTesterChain

        return EthTesterChain(**kwargs)
    if backend == "revm":
        from .revm import RevmChain

        return RevmChain(**kwargs)
    if backend == "rpc":
        from .rpc import RpcChain

        return RpcChain(**kwargs)
    raise ValueError(f"backend: got {backend!r}, must be one of {', '.join(BACKENDS)}")


__all__ = [
    "Artifact", "BACKENDS", "Chain", "ChainError", "CompilationError", "CompilerNotFound", "ContractHalt",
    "ContractRevert", "Deployed", "LogEntry", "RULE_CONTRACTS", "TxResult", "compile_rules", "compile_sources",
    "make_chain",
]
