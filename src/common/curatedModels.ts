/**
 * The transformers.js code models Select Model offers beyond the bundled one, with what their model
 * pages say they do and weigh, and the check a Hub id typed by the user must pass (the model
 * setting's own parser, so the picker accepts exactly what the loader accepts).
 */

import * as path from 'path';
import { resolveModelSource } from './modelSource';
import { readSettings } from './settings';

/** A Hub model worth trying, as its model page describes it; none of them is tested by this project. */
export interface CuratedModel {
  /** Hub id, `owner/name` (revision `main`). */
  readonly id: string;
  /** What it is, in a few words. */
  readonly summary: string;
  /** Trained for fill-in-the-middle (its card shows FIM tokens). */
  readonly fim: boolean;
  /** Tuned for chat (an instruct model with a chat template). */
  readonly chat: boolean;
  /**
   * Download size of the weights file per transformers.js dtype name (fp32, fp16, q8, q4, …), as the
   * Hub's file list showed it; only the dtypes whose size was read there, the others are "shown on download".
   */
  readonly weightSizes: Readonly<Record<string, string>>;
}

/**
 * Sizes come from the Hub's "Files" pages as stored in late 2024 / 2025; a file re-uploaded since
 * may differ, and where two listings disagreed the size is left out.
 */
export const CURATED_MODELS: readonly CuratedModel[] = [
  {
    id: 'onnx-community/Qwen2.5-Coder-0.5B-Instruct',
    summary: 'Qwen2.5-Coder 0.5B, instruct',
    fim: true,
    chat: true,
    // fp32 is model.onnx (567 MB) plus its external data file model.onnx_data (1.96 GB).
    weightSizes: { q4f16: '555 MB', q8: '639 MB', int8: '639 MB', uint8: '639 MB', bnb4: '832 MB', q4: '862 MB', fp16: '1.26 GB', fp32: '567 MB + 1.96 GB data' },
  },
  {
    id: 'Xenova/tiny_starcoder_py',
    summary: 'TinyStarCoderPy 164M, Python only',
    fim: true,
    chat: false,
    weightSizes: { bnb4: '312 MB', q4: '319 MB', fp16: '396 MB', fp32: '724 MB' },
  },
  {
    id: 'Xenova/deepseek-coder-1.3b-base',
    summary: 'DeepSeek-Coder 1.3B, base',
    fim: true,
    chat: false,
    weightSizes: {},
  },
  {
    id: 'Xenova/codegen-350M-mono',
    summary: 'CodeGen 350M, Python only',
    fim: false,
    chat: false,
    weightSizes: { fp16: '714 MB', fp32: '1.43 GB' },
  },
  {
    id: 'HuggingFaceTB/SmolLM2-360M-Instruct',
    summary: 'SmolLM2 360M, general-purpose instruct',
    fim: false,
    chat: true,
    weightSizes: { q4f16: '299 MB', q4: '417 MB', fp16: '819 MB', fp32: '1.64 GB' },
  },
];

/** What a curated model does, in one line ("FIM · no chat"). */
export function curatedAbilities(model: CuratedModel): string {
  return `${model.fim ? 'FIM' : 'no FIM'} · ${model.chat ? 'chat' : 'no chat'} · attention capture not tested here`;
}

/** The weights sizes per dtype in one line, or "size shown on download" when none was read. */
export function curatedSizes(model: CuratedModel): string {
  const sizes = Object.entries(model.weightSizes).map(([dtype, size]) => `${dtype} ${size}`);
  return sizes.length === 0 ? 'size shown on download' : sizes.join(' · ');
}

/**
 * Why `text` is not a Hub id the model setting accepts (`owner/name` or `owner/name@revision`),
 * or undefined when it is one. The verdict is resolveModelSource's; only the wording of the
 * commonest mistakes is friendlier here.
 */
export function hubModelIdProblem(text: string): string | undefined {
  const value = text.trim();
  if (value === '') return 'Type a Hugging Face model id, like "owner/name" or "owner/name@revision".';
  if (path.isAbsolute(value) || /^[\\/]{2}/.test(value)) return 'That is a folder path; choose "Open a local folder…" for a model on disk.';
  const settings = readSettings((key) => (key === 'model' ? value : key === 'allowDownloads' ? true : undefined));
  try {
    const source = resolveModelSource(settings, { extensionPath: '', globalStoragePath: '' });
    if (source.kind === 'hub') return undefined;
  } catch (error) {
    const idPart = value.split('@')[0];
    if (!idPart.includes('/')) return `"${idPart}" has no owner: a Hub id is "owner/name", like "Xenova/codegen-350M-mono".`;
    return error instanceof Error ? error.message : String(error);
  }
  return `"${value}" is not a Hugging Face model id like "owner/name".`;
}
