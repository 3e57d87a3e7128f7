/** Checks a local model folder before loading, so a missing or broken file gets a clear error before the current model is released. */

import * as fs from 'fs';
import * as path from 'path';
import { LensError } from '../common/errors';
import { backendRecord } from './backendTable';
import type { Backend, Dtype, DtypeChoice } from '../common/protocol';
import { WEIGHT_FILES } from '../common/deviceChoices';
import { checkOnnxFile, configProblem, readJsonObjectFile, tokenizerProblem } from '../common/modelFilesCheck';

export { WEIGHT_FILES } from '../common/deviceChoices';

/** The weights file chosen in a folder. */
export interface FolderWeights {
  readonly dtype: Dtype;
  readonly weightsPath: string;
  readonly weightsBytes: number;
}

/** JSON files transformers.js reads when they are there; each is checked like the required ones. */
const OPTIONAL_JSON_FILES = ['tokenizer_config.json', 'generation_config.json'];

/**
 * Validates the Hugging Face layout in `folder` (config with a model type `supported` knows, a
 * tokenizer with a vocabulary, readable optional JSON files) and returns the config. Opens only
 * regular files, so a FIFO or a folder in a file's place fails at once (see modelFilesCheck.ts).
 */
export function checkModelFolder(folder: string, supported: (modelType: string) => boolean): Record<string, unknown> {
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new LensError('MODEL_NOT_FOUND', `The model folder ${folder} does not exist.`);
  }
  const configFile = path.join(folder, 'config.json');
  const config = readJsonObjectFile(configFile);
  const configFault = configProblem(config, supported);
  if (configFault) throw new LensError('MODEL_INVALID', `${configFile} ${configFault}.`);
  const tokenizerFile = path.join(folder, 'tokenizer.json');
  const tokenizerFault = tokenizerProblem(readJsonObjectFile(tokenizerFile));
  if (tokenizerFault) throw new LensError('MODEL_INVALID', `${tokenizerFile} ${tokenizerFault}; the tokenizer cannot load.`);
  for (const name of OPTIONAL_JSON_FILES) {
    const file = path.join(folder, name);
    if (pathEntryExists(file)) readJsonObjectFile(file);
  }
  return config;
}

/** Whether anything (a dangling or looping link too) has this name; never opens it. */
function pathEntryExists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/** The weights file in `folder` for `dtype` (for `auto`, the one `backend` runs best that is there). */
export function pickFolderWeights(folder: string, dtype: DtypeChoice, backend: Backend): FolderWeights {
  const candidates: readonly Dtype[] = dtype === 'auto' ? backendRecord(backend).preferredDtypes : [dtype];
  for (const candidate of candidates) {
    const weightsPath = path.join(folder, WEIGHT_FILES[candidate]);
    if (pathEntryExists(weightsPath)) {
      const weightsBytes = checkOnnxFile(weightsPath);
      return { dtype: candidate, weightsPath, weightsBytes };
    }
  }
  if (candidates.length === 1) throw new LensError('MODEL_NOT_FOUND', `The model folder ${folder} has no ${WEIGHT_FILES[candidates[0]]}.`);
  const others = candidates.filter((c) => c !== 'fp32').map((c) => path.basename(WEIGHT_FILES[c], '.onnx')).join(', ');
  throw new LensError('MODEL_NOT_FOUND', `The model folder ${folder} has no weights: neither ${WEIGHT_FILES.fp32} nor any of transformers.js's other weights files (${others}).`);
}
