"""The in-process chain backends (eth-tester, revm): semantics of the Chain interface and bit-identical results."""

from __future__ import annotations

import pytest
import rlp
from eth_abi import encode
from eth_keys import keys
from eth_utils import keccak, to_canonical_address, to_checksum_address

from parity.chain import ChainError, ContractHalt, ContractRevert, make_chain
from parity.chain.base import GENESIS_TIMESTAMP
from parity.chain.errors import decode_revert_reason, error_selectors

from chain_helpers import ONE, REVERTING, T0

BACKENDS = ["eth-tester", "revm"]


def create_address(sender: str, nonce: int) -> str:
    return to_checksum_address(keccak(rlp.encode([to_canonical_address(sender), nonce]))[12:])


@pytest.fixture(params=BACKENDS)
def chain(request):
    return make_chain(request.param)


def test_genesis_and_accounts(chain):
    assert chain.block_number() == 0
    assert chain.timestamp() == GENESIS_TIMESTAMP == T0
    expected = [keys.PrivateKey(i.to_bytes(32, "big")).public_key.to_checksum_address() for i in range(1, 11)]
    assert chain.accounts == expected


def test_transact_mines_one_block_with_return_values_and_logs(chain, probe):
    p = chain.deploy(probe, chain.accounts[1], timestamp=T0 + 5)
    assert p.address == create_address(chain.accounts[0], 0)
    assert (chain.block_number(), chain.timestamp()) == (1, T0 + 5)

    r = chain.transact(p, "store", [[4, 5, -2]], timestamp=T0 + 60)
    assert (r.block_number, r.timestamp) == (2, T0 + 60) == (chain.block_number(), chain.timestamp())
    assert r.return_value == (7, 2, T0 + 60)  # (sum, block.number, block.timestamp) seen inside the tx
    [log] = r.logs
    assert log.address == p.address and log.event == "Stored"
    assert log.args == {"sender": chain.accounts[0], "blockNumber": 2, "timestamp": T0 + 60, "values": [4, 5, -2]}
    assert log.topics[0] == "0x" + keccak(text="Stored(address,uint256,uint256,int256[])").hex()
    assert log.data == "0x" + encode(["uint256", "int256[]"], [T0 + 60, [4, 5, -2]]).hex()
    assert r.gas_used > 21_000

    # PRBMath mul rounds half up: 1e18*0.5 + 2e18*0.5 = 1.5e18 and 3 wei * 0.5 = 1.5 wei -> 2 wei
    r = chain.transact(p, "mulAll", [[[ONE, 2 * ONE], [3]], ONE // 2])
    assert r.return_value == [3 * ONE // 2, 2]
    assert (r.block_number, r.timestamp) == (3, T0 + 61)  # no timestamp: latest + 1
    assert [(x.event, x.args) for x in r.logs] == [("Note", {"text": "mulAll"})]

    assert chain.call(p, "getStored") == [4, 5, -2]
    assert chain.call(p, "pair") == (4, 2)
    assert chain.call(p, "owner") == chain.accounts[1]
    assert chain.call(p, "updates") == 2


@pytest.mark.parametrize("fn,args,reason", REVERTING)
def test_reverts_give_canonical_reasons_and_mine_nothing(chain, probe, fn, args, reason):
    p = chain.deploy(probe, chain.accounts[1])
    chain.transact(p, "store", [[1]], timestamp=T0 + 100)
    with pytest.raises(ContractRevert) as tx_err:
        chain.transact(p, fn, args, timestamp=T0 + 200)
    assert tx_err.value.reason == reason
    assert (tx_err.value.function, tx_err.value.inputs, tx_err.value.block) == (fn, tuple(args), 3)
    assert tx_err.value.backend == chain.name
    assert (chain.block_number(), chain.timestamp()) == (2, T0 + 100)
    assert chain.call(p, "updates") == 1  # overflow() increments before it reverts: rolled back

    with pytest.raises(ContractRevert) as call_err:
        chain.call(p, fn, args)
    assert (call_err.value.reason, call_err.value.block) == (reason, 2)
    assert call_err.value.data == tx_err.value.data

    # the reverted attempt used no block, timestamp or nonce
    r = chain.transact(p, "store", [[2]], timestamp=T0 + 200)
    assert (r.block_number, r.timestamp) == (3, T0 + 200)
    assert chain.deploy(probe, chain.accounts[1]).address == create_address(chain.accounts[0], 3)


def test_revert_message_names_function_block_inputs_and_reason(chain, probe):
    p = chain.deploy(probe, chain.accounts[1])
    with pytest.raises(ContractRevert) as err:
        chain.transact(p, "divide", [7, 0])
    text = str(err.value)
    assert "divide(7, 0)" in text and "block 2" in text and "Panic(0x12)" in text and chain.name in text
    assert isinstance(err.value.__cause__, Exception)  # the backend's own exception is kept as the cause


def test_sender_and_custom_error_arguments(chain, probe):
    p = chain.deploy(probe, chain.accounts[1])
    with pytest.raises(ContractRevert) as err:
        chain.transact(p, "onlyOwner", [])
    expected = keccak(text="NotOwner(address,uint256)")[:4] + encode(["address", "uint256"], [chain.accounts[0], 7])
    assert err.value.data == expected
    assert chain.transact(p, "onlyOwner", [], sender=chain.accounts[1]).return_value == 1
    # the second account's tx used its own nonce, not the deployer's
    assert chain.deploy(probe, chain.accounts[1]).address == create_address(chain.accounts[0], 1)


def test_call_does_not_change_state(chain, probe):
    p = chain.deploy(probe, chain.accounts[1])
    assert chain.call(p, "store", [[9, 9]]) == (18, 1, chain.timestamp())  # executed on the latest block
    assert chain.call(p, "getStored") == []
    assert chain.call(p, "updates") == 0
    assert chain.block_number() == 1


def test_timestamps_must_increase(chain, probe):
    p = chain.deploy(probe, chain.accounts[1], timestamp=T0 + 50)
    for bad in (T0 + 50, T0 + 49, 1.5e9, "1"):
        with pytest.raises(ValueError, match="timestamp"):
            chain.transact(p, "store", [[1]], timestamp=bad)
    assert chain.block_number() == 1


def test_bad_inputs_raise_value_errors(chain, probe):
    p = chain.deploy(probe, chain.accounts[1])
    with pytest.raises(ValueError, match="fn: no function 'nope'"):
        chain.transact(p, "nope", [])
    with pytest.raises(ValueError, match="args: store"):
        chain.call(p, "store", [[1], 2])
    with pytest.raises(ValueError, match="ctor_args"):
        chain.deploy(probe)
    with pytest.raises(ValueError, match="address: no contract code"):
        chain.attach("x", chain.accounts[3], probe.abi)
    with pytest.raises(ValueError, match="backend"):
        make_chain("ganache")


def test_attach_reuses_a_deployed_contract(chain, probe):
    p = chain.deploy(probe, chain.accounts[1])
    chain.transact(p, "store", [[3, 4]])
    q = chain.attach("again", p.address.lower(), probe.abi)
    assert q.address == p.address and q.name == "again"
    assert chain.call(q, "getStored") == [3, 4]


@pytest.mark.parametrize("backend", BACKENDS)
def test_out_of_gas_surfaces_as_halt(backend, probe):
    chain = make_chain(backend)
    p = chain.deploy(probe, chain.accounts[1])
    chain.gas_limit = 100_000  # covers the intrinsic cost of this call, not its 39 fresh storage writes
    with pytest.raises(ContractHalt, match="(?i)outofgas"):
        chain.transact(p, "store", [list(range(1, 40))])
    assert chain.block_number() == 1


def test_eth_tester_and_revm_are_bit_identical(probe_artifacts, scenario):
    runs = {name: scenario(make_chain(name), probe_artifacts) for name in BACKENDS}
    assert runs["eth-tester"] == runs["revm"]
    reasons = {(rec[0], rec[1]): rec[2] for rec in runs["revm"] if len(rec) == 5 and rec[1] in ("tx", "call")}
    assert reasons == {(fn, mode): reason for fn, _, reason in REVERTING for mode in ("tx", "call")}
    run, deployer = runs["revm"], make_chain("revm").accounts[0]
    assert run[-2][:4] == ("constructor", "ZERO_VALUE", "constructor", 5)  # blocks 1-4: deploy, 2 txs, onlyOwner
    # deployer nonces: Probe 0, store 1, mulAll 2 (reverts use none), Probe 3, RevertingConstructor 4
    assert run[-1] == ("deploys", create_address(deployer, 3), create_address(deployer, 4), 3, 6, T0 + 51)


def test_decode_revert_reason_canonical_forms():
    abi = [{"type": "error", "name": "Bad", "inputs": [{"name": "x", "type": "int256"}]}]
    sel = error_selectors([abi])
    assert sel == {keccak(text="Bad(int256)")[:4]: "Bad"}
    assert decode_revert_reason(bytes.fromhex("08c379a0") + encode(["string"], ["Overflow"]), sel) == "Overflow"
    assert decode_revert_reason(bytes.fromhex("4e487b71") + encode(["uint256"], [1]), sel) == "Panic(0x01)"
    assert decode_revert_reason(bytes.fromhex("4e487b71") + encode(["uint256"], [0x51]), sel) == "Panic(0x51)"
    assert decode_revert_reason(keccak(text="Bad(int256)")[:4] + encode(["int256"], [-1]), sel) == "Bad"
    assert decode_revert_reason(b"", sel) == ""
    assert decode_revert_reason(b"\x12\x34\x56\x78", sel) == "0x12345678"
