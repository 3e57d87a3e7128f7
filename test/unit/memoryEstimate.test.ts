import * as assert from 'assert';
import { estimateModelMemory, formatBytes, memorySentence } from '../../src/worker/memoryEstimate';

const GB = 1024 ** 3;
const shape = { layers: 24, hiddenSize: 2048, contextLength: 4096 };

describe('estimateModelMemory', () => {
  it('adds the runtime overhead and a full context of float32 keys and values to the weights', () => {
    const estimate = estimateModelMemory(GB, shape, 16 * GB, 32 * GB);
    const kv = 2 * 24 * 2048 * 4096 * 4; // 1.5 GB
    assert.ok(estimate.neededBytes > GB + kv && estimate.neededBytes < 1.5 * GB + kv, formatBytes(estimate.neededBytes));
    assert.strictEqual(estimate.verdict, 'fits');
  });

  it('is tight over free memory and never over total memory, and says what to do', () => {
    const tight = estimateModelMemory(2 * GB, shape, 1 * GB, 32 * GB);
    assert.strictEqual(tight.verdict, 'tight');
    assert.match(memorySentence(tight, 'Qwen (fp32)') ?? '', /^Qwen \(fp32\) needs about 4\.\d GB of memory and 1\.0 GB is free: .*attentionLens\.dtype/);
    const never = estimateModelMemory(14 * GB, shape, 2 * GB, 8 * GB);
    assert.strictEqual(never.verdict, 'never');
    assert.match(memorySentence(never, 'big (fp32)') ?? '', /more than this machine has \(8\.0 GB\)\. Choose smaller weights \(attentionLens\.dtype q4 or q8\)/);
    assert.strictEqual(memorySentence(estimateModelMemory(1, shape, 16 * GB, 32 * GB), 'x'), undefined);
  });
});
