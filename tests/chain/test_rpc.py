"""The JSON-RPC backend against a real local node (hardhat 2 / EDR from contracts/node_modules, offline)."""

from __future__ import annotations

import pytest
from chain_helpers import REVERTING, T0

from parity.chain import ChainError, ContractRevert, make_chain

pytestmark = pytest.mark.rpc


def test_rpc_eth_tester_and_revm_are_bit_identical(hardhat_url, probe_artifacts, scenario):
    probe = probe_artifacts["Probe"]
    rpc = make_chain("rpc", url=hardhat_url)
    assert rpc.block_number() == 0 and rpc.timestamp() == T0
    in_process = [make_chain("eth-tester"), make_chain("revm")]
    assert rpc.accounts == in_process[0].accounts == in_process[1].accounts
    runs = {c.name: scenario(c, probe_artifacts) for c in [rpc, *in_process]}
    assert runs["rpc"] == runs["eth-tester"] == runs["revm"]
    reasons = {(rec[0], rec[1]): rec[2] for rec in runs["rpc"] if len(rec) == 5 and rec[1] in ("tx", "call")}
    assert reasons == {(fn, mode): reason for fn, _, reason in REVERTING for mode in ("tx", "call")}

    # gas agrees with eth-tester too (revm's journal keeps slots warm across transactions; see parity.chain.revm)
    eth = in_process[0]
    p_rpc = rpc.attach("Probe", runs["rpc"][0][1], probe.abi)
    p_eth = eth.attach("Probe", runs["eth-tester"][0][1], probe.abi)
    a = rpc.transact(p_rpc, "store", [[5, 6, 7]], timestamp=T0 + 1000)
    b = eth.transact(p_eth, "store", [[5, 6, 7]], timestamp=T0 + 1000)
    assert a == b


def test_rpc_reverts_mine_nothing_timestamps_are_checked_and_local_keys_sign(hardhat_url, probe):
    chain = make_chain("rpc", url=hardhat_url)
    p = chain.deploy(probe, chain.accounts[1], timestamp=T0 + 7)
    with pytest.raises(ContractRevert) as err:
        chain.transact(p, "divide", [1, 0], timestamp=T0 + 9)
    assert (err.value.reason, err.value.block, err.value.backend) == ("Panic(0x12)", 2, "rpc")
    assert (chain.block_number(), chain.timestamp()) == (1, T0 + 7)
    with pytest.raises(ValueError, match="timestamp"):
        chain.transact(p, "store", [[1]], timestamp=T0 + 7)
    r = chain.transact(p, "store", [[1]], timestamp=T0 + 9)
    assert (r.block_number, r.timestamp, r.return_value) == (2, T0 + 9, (1, 2, T0 + 9))
    with pytest.raises(ValueError, match="address: no contract code"):
        chain.attach("nothing", chain.accounts[5], probe.abi)

    # an account the node does not manage: transactions are signed locally (private_keys=...)
    key = "0x" + (0xBEEF).to_bytes(32, "big").hex()
    own = chain.w3.eth.account.from_key(key).address
    chain.w3.eth.send_transaction({"from": chain.accounts[0], "to": own, "value": 10**18})
    signer = make_chain("rpc", url=hardhat_url, private_keys=[key])
    assert signer.accounts[0] == own and own not in chain.accounts
    q = signer.attach("Probe", p.address, probe.abi)
    r = signer.transact(q, "store", [[4]], timestamp=T0 + 100)
    assert r.logs[0].args["sender"] == own and r.return_value == (4, 4, T0 + 100)


def test_rpc_without_a_node_is_a_clear_error():
    with pytest.raises(ChainError, match="no JSON-RPC node answering at http://127.0.0.1:9"):
        make_chain("rpc", url="http://127.0.0.1:9", timeout=2)
    with pytest.raises(ValueError, match="url"):
        make_chain("rpc", url="127.0.0.1:8545")
