// One side of the peak-RSS comparison, alone in its own process so that neither side's memory
// counts for the other: load the model, generate from a 256-token prompt, run one attention pass,
// then print {"peakRssBytes": VmHWM} (Linux /proc/self/status). The product side's worker is a
// thread of this process, as it is of the extension host, so its memory counts here too.
// Usage (from suite.mjs): node bench/peakRss.mjs product|bare MODEL_DIR WEIGHTS_FILE DTYPE ATTENTION_TOKENS
import { require } from './benchSetup.mjs';
import { BareOnnx } from './bareOnnx.mjs';
import { promptOf } from './benchPrompts.mjs';
import { startProduct } from './productSide.mjs';
import * as fs from 'fs';
import * as path from 'path';

const [side, modelDir, weightsFile, dtype, attentionTokens] = process.argv.slice(2);
const { AutoTokenizer } = require('@huggingface/transformers');
const tokenizer = await AutoTokenizer.from_pretrained(modelDir);
const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
const prompt = promptOf(tokenizer, 256, 1);
const attentionText = promptOf(tokenizer, Number(attentionTokens), 2);
if (side === 'product') {
  const { client } = await startProduct(modelDir, dtype);
  await client.generate({ priority: 'command', prompt, maxNewTokens: 16 });
  await client.attention({ text: attentionText, maxTokens: Number(attentionTokens), origin: { kind: 'selection', label: 'bench' } });
  await client.dispose();
} else {
  const bare = await BareOnnx.create(weightsFile, config);
  await bare.greedy(tokenizer.encode(prompt, { add_special_tokens: false }), 16);
  await bare.forward(tokenizer.encode(attentionText, { add_special_tokens: false }), bare.session.outputNames);
  await bare.release();
}
const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
console.log(JSON.stringify({ peakRssBytes: hwm ? Number(hwm[1]) * 1024 : null }));
