import * as assert from 'assert';
import { parametersFromFileSize, readModelShape } from '../../src/worker/modelConfig';

describe('readModelShape', () => {
  it('counts GPT-2 small parameters exactly (124,439,808 with tied embeddings)', () => {
    const shape = readModelShape({ model_type: 'gpt2', n_layer: 12, n_head: 12, n_embd: 768, vocab_size: 50257, n_positions: 1024 });
    assert.strictEqual(shape.parameters, 124439808);
    assert.strictEqual(shape.contextLength, 1024);
    assert.strictEqual(shape.heads, 12);
  });

  it('reads Llama-style names and leaves the count to the file size', () => {
    const shape = readModelShape({ model_type: 'llama', num_hidden_layers: 2, num_attention_heads: 4, hidden_size: 64, vocab_size: 100, max_position_embeddings: 2048 });
    assert.deepStrictEqual([shape.layers, shape.heads, shape.hiddenSize, shape.contextLength, shape.parameters], [2, 4, 64, 2048, undefined]);
    assert.strictEqual(parametersFromFileSize(4000, 'fp32'), 1000);
  });

  it('survives a config without the fields', () => {
    const shape = readModelShape({});
    assert.strictEqual(shape.modelType, 'unknown');
    assert.strictEqual(shape.layers, 0);
  });
});

describe('parametersFromFileSize for every dtype', () => {
  it('divides by the bytes a weight takes', () => {
    const cases: [Parameters<typeof parametersFromFileSize>[1], number][] = [['fp32', 250], ['fp16', 500], ['q8', 1000], ['int8', 1000], ['uint8', 1000], ['q4', 2000], ['q4f16', 2000], ['bnb4', 2000]];
    for (const [dtype, expected] of cases) assert.strictEqual(parametersFromFileSize(1000, dtype), expected, dtype);
  });
});
