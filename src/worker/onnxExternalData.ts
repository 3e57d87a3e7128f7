/**
 * Where ONNX Runtime finds a graph's external data (weights kept beside `model.onnx`, as
 * `model.onnx_data`, `model.onnx_data_1`, … in transformers.js exports).
 *
 * The graph names each data file by a `location` relative to its own folder. onnxruntime-node opens
 * those files itself when it is given the graph's path; given the graph as bytes it knows no folder,
 * so the session option `session.model_external_initializers_file_folder_path` names it (ONNX
 * Runtime then reads the files itself: nothing is copied in JavaScript). onnxruntime-web opens no
 * files at all: each location must be mounted through the `externalData` session option, and given
 * a file path there it reads the file in Node. Both are built here from the graph's folder.
 */

import * as path from 'path';
import type { GraphProto, TensorProto } from 'onnx-buf';

/** How a runtime finds external data: from a folder (onnxruntime-node) or mounted files (onnxruntime-web). */
export type ExternalDataRuntime = 'native' | 'web';

/** onnxruntime-web's externalData entry: the graph's `location` and the file to read it from. */
export interface MountedExternalData {
  readonly path: string;
  readonly data: string | Uint8Array;
}

/** The session options this module reads and extends (others pass through unchanged). */
export interface ExternalDataSessionOptions {
  readonly externalData?: readonly MountedExternalData[];
  readonly extra?: Record<string, unknown>;
  readonly [option: string]: unknown;
}

const EXTERNAL = 1; // TensorProto.DataLocation.EXTERNAL
/** ONNX Runtime's config key for the folder of a graph's external data when the graph is given as bytes. */
const FOLDER_CONFIG_SECTION = 'session';
const FOLDER_CONFIG_KEY = 'model_external_initializers_file_folder_path';

function locationOf(tensor: TensorProto): string | undefined {
  if (tensor.dataLocation !== EXTERNAL && tensor.externalData.length === 0) return undefined;
  return tensor.externalData.find((entry) => entry.key === 'location')?.value;
}

/** The data files (relative `location`s) a graph's initializers and constants name, each once, in graph order. */
export function externalDataLocations(graph: GraphProto): string[] {
  const tensors = [...graph.initializer, ...graph.node.flatMap((n) => n.attribute.flatMap((a) => (a.t ? [a.t] : [])))];
  const locations = new Set<string>();
  for (const tensor of tensors) {
    const location = locationOf(tensor);
    if (location) locations.add(location);
  }
  return [...locations];
}

/** externalDataLocations of a serialized model (parsed here; protobuf-es keeps weight bytes as views, so this is cheap). */
export async function readExternalDataLocations(modelBytes: Uint8Array): Promise<string[]> {
  // onnx-buf is ESM only: loaded on demand, as in onnxTapInjector.ts.
  const [onnx, protobuf] = await Promise.all([import('onnx-buf'), import('@bufbuild/protobuf')]);
  const graph = protobuf.fromBinary(onnx.ModelProtoSchema, modelBytes).graph;
  return graph ? externalDataLocations(graph) : [];
}

/**
 * onnxruntime-web's `externalData` for a graph whose file is `graphFile`: each location mounted
 * from the file of that name beside it. A path, not bytes: ONNX Runtime reads it once and lets go.
 */
export function mountedExternalData(graphFile: string, locations: readonly string[]): MountedExternalData[] {
  const folder = path.dirname(graphFile);
  return locations.map((location) => ({ path: location, data: path.join(folder, location) }));
}

/**
 * `options` for a session built from graph bytes whose file was `graphFile`, so `runtime` still finds
 * the external data beside that file. onnxruntime-web needs the mounts already in `options` (see
 * mountedExternalData): they carry over as they are.
 */
export function optionsForGraphBytes<T extends ExternalDataSessionOptions>(runtime: ExternalDataRuntime, options: T, graphFile: string): T {
  if (runtime === 'web') return options;
  const extra = options.extra ?? {};
  const section = (extra[FOLDER_CONFIG_SECTION] as Record<string, unknown> | undefined) ?? {};
  return { ...options, extra: { ...extra, [FOLDER_CONFIG_SECTION]: { ...section, [FOLDER_CONFIG_KEY]: path.dirname(graphFile) } } };
}
