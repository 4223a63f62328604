// cl100k token counts. Reads a JSON array of strings on stdin, prints a JSON
// array of counts. js-tiktoken ships its ranks (Python tiktoken downloads them
// at first use, which fails offline). Installed by scripts/tokens.sh into
// target/node-tokens; run with NODE_PATH pointing at its node_modules.
import { createRequire } from "node:module";
import path from "node:path";

const here = path.dirname(new URL(import.meta.url).pathname);
const require = createRequire(path.join(here, "..", "target", "node-tokens", "package.json"));
const { getEncoding } = require("js-tiktoken");

const enc = getEncoding("cl100k_base");
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const texts = JSON.parse(input);
  process.stdout.write(JSON.stringify(texts.map((t) => enc.encode(t).length)) + "\n");
});
