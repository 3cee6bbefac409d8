// Regenerates expected-counts.json from corpus.json, and generated-expected-counts.json from
// generated-corpus.json, with OpenAI's tiktoken (Rust core compiled to WASM).
//
//   cd "$(mktemp -d)" && npm install tiktoken && NODE_PATH="$PWD/node_modules" \
//     node /path/to/tests/Contracts.Ai.Tests/Budgeting/TokenCorpus/generate-expected.mjs
//
// Counts are encode_ordinary counts: special-token markers such as <|endoftext|> are plain text,
// as the chat APIs treat message content.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(process.env.NODE_PATH ?? process.cwd(), 'noop.js'));
const { get_encoding } = require('tiktoken');

const version = JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('tiktoken')), 'package.json'), 'utf8')).version;
for (const [input, output] of [['corpus.json', 'expected-counts.json'], ['generated-corpus.json', 'generated-expected-counts.json']]) {
  const corpus = JSON.parse(fs.readFileSync(path.join(here, input), 'utf8'));
  const expected = { generator: `tiktoken ${version}` };
  for (const name of ['o200k_base', 'cl100k_base']) {
    const encoding = get_encoding(name);
    expected[name] = corpus.map((text) => encoding.encode_ordinary(text).length);
    encoding.free();
  }

  fs.writeFileSync(path.join(here, output), JSON.stringify(expected) + '\n');
  console.log(`${output}: ${corpus.length} counts per encoding`);
}
