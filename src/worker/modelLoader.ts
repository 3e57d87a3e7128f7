/**
 * Loads a model for the engine: resolves the device setting to a backend, finds the weights that
 * backend runs best, loads tokenizer and sessions with the attention taps, falls back from WebGPU
 * to cpu when the GPU cannot take the model, and — for `auto` on a hardware GPU — calibrates WebGPU
 * against cpu once per GPU and model and keeps the faster.
 */

import * as fs from 'fs';
import * as os from 'os';
import type { ProgressInfo } from '@huggingface/transformers';
import { LensError } from '../common/errors';
import { checkHubRevision, hubRevisionCacheDir } from '../common/modelSource';
import { parametersFromFileSize, readModelShape } from './modelConfig';
import { detectPromptFormat, idList } from '../common/promptFormats';
import type { Backend, Dtype, LoadParams, ModelInfo, ModelSource } from '../common/protocol';
import { parseHubUrl } from '../common/settings';
import { detectSummaryFormat } from '../common/summaryPrompt';
import { CALIBRATION_MAX_WEIGHTS_BYTES, calibratedBackend, describeDecision, loadFailedFallback, settleBackendForWeights, type BackendDecision, type CalibrationResult } from './backendChoice';
import { backendRecord } from './backendTable';
import { CalibrationStore, calibrationKey } from './calibrationStore';
import { KvCacheReuse } from './kvCacheReuse';
import { estimateModelMemory, memorySentence } from './memoryEstimate';
import { releaseModel, type LoadedModel } from './loadedModel';
import { measureDecodeSpeed } from './greedyGeneration';
import { checkModelFolder, pickFolderWeights } from './modelFolder';
import { devicesOnBuild, startRuntime, type RuntimeOptions, type TransformersModule } from './ortRuntime';
import { SessionOutputFilter } from './sessionOutputFilter';
import { loadWithAttentionTaps } from './tappedSession';

/** A load request's parameters, and where its download progress goes. */
export interface LoadOptions extends LoadParams {
  readonly onProgress: (file: string, fraction: number) => void;
}

/** What loading needs beyond the runtime: where `auto`'s calibrations are kept. */
export interface LoaderOptions extends RuntimeOptions {
  readonly calibrationFile?: string;
  /** The machine's free and total memory (default: the OS's figures); tests stand in a small machine. */
  readonly readMemory?: () => { readonly freeBytes: number; readonly totalBytes: number };
}

/** A model found and checked (once per load), before any backend is chosen. */
interface LocatedModel {
  readonly modelId: string;
  readonly config: Record<string, unknown>;
  readonly location: string;
  /** The local folder, for choosing its weights file; absent for a Hub model. */
  readonly folder?: string;
  /** What every `from_pretrained` call gets: for a Hub model its revision and that revision's cache folder. */
  readonly pretrained: { readonly revision?: string; readonly cache_dir?: string };
}

/** The weights a backend runs: their dtype, and their size when known (0 for a Hub model not yet fetched). */
interface ChosenWeights {
  readonly dtype: Dtype;
  readonly weightsBytes: number;
}

/** See the module comment. */
export class ModelLoader {
  private readonly calibrations: CalibrationStore;

  constructor(private readonly options: LoaderOptions) {
    this.calibrations = new CalibrationStore(options.calibrationFile);
  }

  /**
   * Loads a model. `releaseCurrent` runs once the runtime is ready and the new model's files passed
   * their checks, before its sessions are built (a runtime that cannot start or a damaged folder
   * leaves the current model in place). Throws a LensError that a user can act on.
   */
  async load(options: LoadOptions, releaseCurrent: () => Promise<void>): Promise<LoadedModel> {
    const started = performance.now();
    const runtime = startRuntime(options.device, this.options);
    const transformers = await runtime.transformers;
    const decided = await runtime.decision;
    // Every cheap check (files, config, tokenizer, weights layout) runs while the current model still
    // serves: a damaged folder is refused without letting it go.
    const located = await this.locate(options, transformers);
    let weights = this.weightsFor(located, options, decided.backend);
    let backend = settleBackendForWeights(decided, weights.dtype);
    // `auto` on a hardware GPU keeps WebGPU only where it decodes faster: an earlier verdict, or a calibration below.
    const calibration = options.device === 'auto' ? this.calibrationFor(backend, located, weights) : undefined;
    if (calibration?.earlier) {
      backend = calibratedBackend(backend, calibration.earlier, false);
      weights = this.weightsFor(located, options, backend.backend);
    }
    // A model that can never fit is refused while the current one serves; a tight one loads with a warning.
    const memory = this.options.readMemory?.() ?? { freeBytes: os.freemem(), totalBytes: os.totalmem() };
    const estimate = estimateModelMemory(weights.weightsBytes, readModelShape(located.config), memory.freeBytes, memory.totalBytes);
    const memoryWarning = memorySentence(estimate, `${located.location} (${weights.dtype})`);
    if (estimate.verdict === 'never' && memoryWarning) throw new LensError('NOT_ENOUGH_MEMORY', memoryWarning);
    await releaseCurrent();
    let loaded: LoadedModel;
    try {
      try {
        loaded = await this.loadOn(transformers, options, located, weights, backend, started);
      } catch (error) {
        // No WebGPU adapter (or its session failed): the table's fallback (cpu, on the same native runtime) runs, with its own weights.
        const fallback = backendRecord(backend.backend).fallback;
        if (!fallback) throw error;
        backend = loadFailedFallback(decided, fallback, error);
        weights = this.weightsFor(located, options, backend.backend);
        loaded = await this.loadOn(transformers, options, located, weights, backend, started);
      }
    } catch (error) {
      throw this.describeLoadError(error, options.source, located.location);
    }
    if (memoryWarning) loaded = { ...loaded, info: { ...loaded.info, memoryWarning } };
    if (calibration && !calibration.earlier && loaded.info.backend === 'webgpu') {
      try {
        loaded = await this.calibrate(loaded, calibration.key, transformers, options, located, started);
      } catch (error) {
        throw this.describeLoadError(error, options.source, located.location);
      }
    }
    return loaded;
  }

  /**
   * Whether `auto`'s WebGPU choice is to be calibrated, and an earlier calibration for it. Only local
   * weights of a known size up to CALIBRATION_MAX_WEIGHTS_BYTES are: a Hub model's size is not known
   * before it is fetched, and holding a large model twice costs more than the measurement tells.
   */
  private calibrationFor(decision: BackendDecision, located: LocatedModel, weights: ChosenWeights): { key: string; earlier?: CalibrationResult } | undefined {
    if (decision.backend !== 'webgpu' || !decision.adapter) return undefined;
    if (weights.weightsBytes <= 0 || weights.weightsBytes > CALIBRATION_MAX_WEIGHTS_BYTES) return undefined;
    const key = calibrationKey(decision.adapter, located.location, weights.weightsBytes);
    const earlier = this.calibrations.get(key);
    return earlier ? { key, earlier } : { key };
  }

  /**
   * Measures decoding on the WebGPU model just loaded and on the same model loaded for cpu, keeps
   * the faster, releases the other and remembers the verdict. A cpu load that fails keeps WebGPU.
   */
  private async calibrate(gpu: LoadedModel, key: string, transformers: TransformersModule, options: LoadOptions, located: LocatedModel, started: number): Promise<LoadedModel> {
    const cpuModel = (backend: BackendDecision): Promise<LoadedModel> => this.loadOn(transformers, options, located, this.weightsFor(located, options, 'cpu'), backend, started);
    let webgpuTokensPerSecond: number;
    try {
      webgpuTokensPerSecond = await measureDecodeSpeed(gpu);
    } catch (error) {
      // A GPU that loads but cannot run the model: cpu takes over, as when no adapter is found.
      await releaseModel(gpu);
      return cpuModel(loadFailedFallback(gpu.decision, 'cpu', error));
    }
    let cpu: LoadedModel;
    let cpuTokensPerSecond: number;
    try {
      cpu = await cpuModel({ ...gpu.decision, backend: 'cpu' }); // its decision is replaced by the verdict below
      cpuTokensPerSecond = await measureDecodeSpeed(cpu).catch(async (error: unknown) => {
        await releaseModel(cpu);
        throw error;
      });
    } catch {
      return gpu; // nothing to compare with: WebGPU stays, uncalibrated, and is measured at the next start
    }
    const result: CalibrationResult = { webgpuTokensPerSecond, cpuTokensPerSecond, measuredAt: new Date().toISOString().slice(0, 10) };
    this.calibrations.set(key, result);
    const verdict = calibratedBackend(gpu.decision, result, true);
    const [keep, release] = verdict.backend === 'webgpu' ? [gpu, cpu] : [cpu, gpu];
    await releaseModel(release);
    return { ...keep, decision: verdict, info: { ...keep.info, backendReason: describeDecision(verdict), loadMs: Math.round(performance.now() - started) } };
  }

  /** Loads the tokenizer and the model on one backend, with the attention taps, and reads its facts. */
  private async loadOn(transformers: TransformersModule, options: LoadOptions, located: LocatedModel, weights: ChosenWeights, backend: BackendDecision, started: number): Promise<LoadedModel> {
    const progress = (info: ProgressInfo): void => {
      if (info.status === 'progress_total') options.onProgress(info.name, info.progress / 100);
      else if (info.status === 'done') options.onProgress(info.file, 1);
    };
    const { modelId, config, location, pretrained } = located;
    const { dtype } = weights;
    const record = backendRecord(backend.backend);
    const { loaded: [tokenizer, model], attentionUnavailableReason } = await loadWithAttentionTaps(record.cpuKernels, () => Promise.all([
      transformers.AutoTokenizer.from_pretrained(modelId, { ...pretrained, progress_callback: progress }),
      transformers.AutoModelForCausalLM.from_pretrained(modelId, {
        ...pretrained,
        dtype,
        device: record.transformersDevice,
        progress_callback: progress,
      }),
    ]));
    const shape = readModelShape(config);
    const vocab = tokenizer.get_vocab();
    const promptFormat = detectPromptFormat(config, (token) => vocab.get(token));
    const info: ModelInfo = {
      name: options.source.kind === 'folder' ? options.source.displayName : options.source.modelId,
      location,
      backend: backend.backend,
      backendReason: describeDecision(backend),
      ...(backend.fallbackFrom ? { backendFallback: true } : {}),
      runtimeDevices: devicesOnBuild(record.build),
      dtype,
      modelType: shape.modelType,
      parameters: shape.parameters ?? parametersFromFileSize(weights.weightsBytes, dtype),
      contextLength: shape.contextLength,
      vocabSize: shape.vocabSize,
      layers: shape.layers,
      heads: shape.heads,
      loadMs: Math.round(performance.now() - started),
      promptFamily: promptFormat.family,
      ...(attentionUnavailableReason ? { attentionUnavailableReason } : {}),
    };
    // generation_config.json may list more end tokens than config.json (Qwen2 instruct: <|im_end|>); generation stops on each.
    const generationConfig = (model as unknown as { generation_config?: { eos_token_id?: unknown } }).generation_config;
    const eosTokenIds = new Set<number>([...idList(config.eos_token_id), ...idList(generationConfig?.eos_token_id)]);
    const outputs = SessionOutputFilter.install(model);
    const summaryFormat = detectSummaryFormat(config, Boolean((tokenizer as unknown as { chat_template?: unknown }).chat_template));
    const completionStopTokenIds = new Set(promptFormat.stopStrings.map((text) => vocab.get(text)).filter((id): id is number => id !== undefined));
    return {
      model,
      tokenizer,
      info,
      decision: backend,
      transformers,
      outputs,
      eosTokenIds,
      promptFormat,
      completionStopTokenIds,
      summaryFormat,
      kvCache: new KvCacheReuse(transformers, record.keepsKvCache),
    };
  }

  /** Which weights `backend` runs (its table record's preferred dtypes): a file in the folder, or for a Hub model the dtype to fetch. */
  private weightsFor(located: LocatedModel, options: LoadOptions, backend: Backend): ChosenWeights {
    if (located.folder !== undefined) return pickFolderWeights(located.folder, options.dtype, backend);
    return { dtype: options.dtype === 'auto' ? backendRecord(backend).preferredDtypes[0] : options.dtype, weightsBytes: 0 };
  }

  /** Where the model is, checked, with transformers.js pointed at it (and, for a folder, at nothing else). */
  private async locate(options: LoadOptions, transformers: TransformersModule): Promise<LocatedModel> {
    const { env } = transformers;
    const source = options.source;
    if (source.kind === 'folder') {
      const config = checkModelFolder(source.path, (modelType) => isCausalLmType(transformers, modelType));
      // A file missing from the folder is an error, never a download: no remote models, no cache of
      // an earlier Hub load, and the folder's absolute path as the id (transformers.js never sends
      // a path to a hub, and a folder name that is no valid Hub id is still read from the folder).
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      env.useFSCache = false;
      return { modelId: source.path, config, location: source.path, folder: source.path, pretrained: {} };
    }
    // A Hub model: the host only sends this source when the user allowed downloads. Its revision
    // becomes part of URLs and cache paths, so it is checked here too.
    checkHubRevision(source.revision);
    const hub = parseHubUrl(source.hubUrl);
    const cacheDir = hubRevisionCacheDir(source.cacheDir, hub.url, source.revision);
    fs.mkdirSync(cacheDir, { recursive: true });
    env.allowLocalModels = false;
    env.allowRemoteModels = true;
    env.remoteHost = hub.url + '/';
    // The revision is written into the template rather than left to its `{revision}` placeholder:
    // transformers.js 4.3 drops the revision on some requests (get_tokenizer_files asks for
    // tokenizer_config.json with no options, i.e. at main), and every file must come from this one.
    env.remotePathTemplate = `{model}/resolve/${encodeURIComponent(source.revision)}/`;
    env.useFSCache = true;
    env.cacheDir = cacheDir;
    // Passed to every from_pretrained: `cache_dir` also keys transformers.js's memoised lookups.
    const pretrained = { revision: source.revision, cache_dir: cacheDir };
    let config: Record<string, unknown>;
    try {
      const fetched = await transformers.AutoConfig.from_pretrained(source.modelId, pretrained);
      config = JSON.parse(JSON.stringify(fetched)) as Record<string, unknown>;
    } catch (error) {
      throw new LensError(
        'DOWNLOAD_FAILED',
        `Could not fetch ${source.modelId}${revisionLabel(source.revision)} from ${hub.host}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return { modelId: source.modelId, config, location: `${hub.url}/${source.modelId}${revisionLabel(source.revision)}`, pretrained };
  }

  private describeLoadError(error: unknown, source: ModelSource, location: string): LensError {
    if (error instanceof LensError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (source.kind === 'hub') {
      return new LensError('DOWNLOAD_FAILED', `Could not load ${source.modelId}${revisionLabel(source.revision)} from ${source.hubUrl}: ${message}`);
    }
    return new LensError('MODEL_INVALID', `The model in ${location} could not be loaded (${message}). Its files may be damaged or of an unsupported kind.`);
  }
}

/** Whether transformers.js has a causal language model class for `modelType`. */
function isCausalLmType(transformers: TransformersModule, modelType: string): boolean {
  const mappings = (transformers.AutoModelForCausalLM as unknown as { MODEL_CLASS_MAPPINGS?: readonly ReadonlyMap<string, unknown>[] }).MODEL_CLASS_MAPPINGS;
  // A runtime that no longer exposes its table is trusted to say so itself when the session loads.
  return !mappings || mappings.some((mapping) => mapping.has(modelType));
}

/** `@revision` for messages and locations, empty for `main`. */
function revisionLabel(revision: string): string {
  return revision === 'main' ? '' : `@${revision}`;
}
