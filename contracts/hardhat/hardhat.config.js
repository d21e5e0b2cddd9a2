// Minimal Hardhat (v2, EDR) config for parity's JSON-RPC backend tests: a local node only, no compilation.
// Accounts, chain id and genesis time match parity's in-process backends (eth-tester / revm), so the same
// transactions give the same addresses, logs and block numbers on every backend.
const accounts = [];
for (let i = 1; i <= 10; i++) {
  accounts.push({ privateKey: "0x" + i.toString(16).padStart(64, "0"), balance: "1000000000000000000000000" });
}

module.exports = {
  defaultNetwork: "hardhat",
  networks: {
    hardhat: {
      hardfork: "cancun",
      chainId: 131277322940537,
      initialDate: "2023-11-14T22:13:20.000Z", // 1700000000
      accounts,
      blockGasLimit: 30029122,
      mining: { auto: true, interval: 0 },
      loggingEnabled: false,
    },
  },
  paths: { sources: "./no-sources", cache: "./.hardhat-cache", artifacts: "./.hardhat-artifacts" },
};
