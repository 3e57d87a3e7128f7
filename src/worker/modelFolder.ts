/** Checks a local model folder before loading, so a missing or broken file gets a clear error. */

import * as fs from 'fs';
import * as path from 'path';
import { LensError } from '../common/errors';
import { preferredDtypes } from '../common/backendChoice';
import type { Backend, Dtype, DtypeChoice } from '../common/protocol';

export const WEIGHT_FILES: Readonly<Record<Dtype, string>> = {
  fp32: 'onnx/model.onnx',
  q8: 'onnx/model_quantized.onnx',
};

/** The weights file chosen in a folder. */
export interface FolderWeights {
  readonly dtype: Dtype;
  readonly weightsPath: string;
  readonly weightsBytes: number;
}

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new LensError('MODEL_NOT_FOUND', `The model folder has no ${path.basename(file)} (${file}).`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new LensError('MODEL_INVALID', `${file} is not a valid JSON object; the model files look damaged.`);
}

/** Validates the Hugging Face layout in `folder` (config with a model type, a readable tokenizer) and returns the config. */
export function checkModelFolder(folder: string): Record<string, unknown> {
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new LensError('MODEL_NOT_FOUND', `The model folder ${folder} does not exist.`);
  }
  const config = readJson(path.join(folder, 'config.json'));
  if (typeof config.model_type !== 'string') {
    throw new LensError('MODEL_INVALID', `${path.join(folder, 'config.json')} has no "model_type", so the architecture is unknown.`);
  }
  readJson(path.join(folder, 'tokenizer.json'));
  return config;
}

/** The weights file in `folder` for `dtype` (for `auto`, the one `backend` runs best that is there). */
export function pickFolderWeights(folder: string, dtype: DtypeChoice, backend: Backend): FolderWeights {
  const candidates: readonly Dtype[] = dtype === 'auto' ? preferredDtypes(backend) : [dtype];
  for (const candidate of candidates) {
    const weightsPath = path.join(folder, WEIGHT_FILES[candidate]);
    if (fs.existsSync(weightsPath)) {
      const weightsBytes = fs.statSync(weightsPath).size;
      if (weightsBytes < 64) {
        throw new LensError('MODEL_INVALID', `${weightsPath} is only ${weightsBytes} bytes; the model file is damaged.`);
      }
      return { dtype: candidate, weightsPath, weightsBytes };
    }
  }
  const wanted = candidates.map((c) => WEIGHT_FILES[c]).join(' or ');
  throw new LensError('MODEL_NOT_FOUND', `The model folder ${folder} has no ${wanted}.`);
}
