// The bare side of the benchmarks: onnxruntime-node straight on a model's ONNX file, no
// transformers.js, no worker: a greedy loop with the KV cache, and one forward pass with chosen outputs.
import { require } from './benchSetup.mjs';

const ort = require('onnxruntime-node');

/** A bare ONNX Runtime session over one GPT-2-style graph with past_key_values inputs. */
export class BareOnnx {
  /** Opens `file`; `config` is the model's config.json. */
  static async create(file, config) {
    const started = performance.now();
    const session = await ort.InferenceSession.create(file);
    return new BareOnnx(session, config, performance.now() - started);
  }

  constructor(session, config, loadMs) {
    this.session = session;
    this.config = config;
    this.loadMs = loadMs;
    this.kvFetches = session.outputNames.filter((n) => n === 'logits' || n.startsWith('present'));
  }

  emptyPast() {
    const heads = this.config.n_head;
    const headDim = this.config.n_embd / heads;
    const past = {};
    for (const name of this.session.inputNames) {
      if (name.startsWith('past_key_values')) past[name] = new ort.Tensor('float32', new Float32Array(0), [1, heads, 0, headDim]);
    }
    return past;
  }

  feeds(ids, pastLength, past) {
    const n = ids.length;
    return {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, n]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(pastLength + n).fill(1n), [1, pastLength + n]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(pastLength + i)), [1, n]),
      ...past,
    };
  }

  /** Greedy decoding of `newTokens` tokens after `promptIds` (never choosing `blocked` ids): total ms, ms to the first token, decode tokens/s after it. */
  async greedy(promptIds, newTokens, blocked = []) {
    let past = this.emptyPast();
    let ids = promptIds;
    let total = 0;
    const out = [];
    const started = performance.now();
    let firstAt = 0;
    for (let step = 0; step < newTokens; step++) {
      const outputs = await this.session.run(this.feeds(ids, total, past), this.kvFetches);
      const vocab = outputs.logits.dims[2];
      const last = outputs.logits.data.subarray((ids.length - 1) * vocab, ids.length * vocab);
      let best = -1;
      for (let v = 0; v < vocab; v++) if (!blocked.includes(v) && (best < 0 || last[v] > last[best])) best = v;
      past = {};
      for (const name of this.kvFetches) if (name.startsWith('present')) past[name.replace('present', 'past_key_values')] = outputs[name];
      total += ids.length;
      ids = [best];
      out.push(best);
      if (!firstAt) firstAt = performance.now();
    }
    const end = performance.now();
    return { ms: end - started, firstMs: firstAt - started, tps: newTokens > 1 ? ((newTokens - 1) * 1000) / (end - firstAt) : 0, ids: out };
  }

  /** One forward pass over `ids` fetching `outputNames`; its ms. */
  async forward(ids, outputNames) {
    const started = performance.now();
    await this.session.run(this.feeds(ids, 0, this.emptyPast()), outputNames);
    return performance.now() - started;
  }

  /** Releases the session. */
  async release() {
    await this.session.release();
  }
}
