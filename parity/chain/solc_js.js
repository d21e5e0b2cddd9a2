// Compile a Solidity standard-JSON input (stdin) with solc-js; print {"version", "output"} on stdout.
// Usage: node solc_js.js <path to the solc npm package>
"use strict";
const solc = require(process.argv[2]);
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  const input = Buffer.concat(chunks).toString("utf8");
  const output = solc.compile(input); // no import callback: every source is in the input
  process.stdout.write(JSON.stringify({ version: solc.version(), output: JSON.parse(output) }));
});
