/**
 * Asks the machine's WebGPU implementation which adapter it would give, so that `auto` can tell a
 * real GPU from a software one. onnxruntime-node runs WebGPU through its own copy of Dawn but does
 * not say which adapter it took; the `webgpu` npm package (Dawn for Node) does, through the
 * standard `requestAdapter()` → `adapter.info`. Both see the same Vulkan/Metal/D3D drivers.
 *
 * The package is optional: without it (or on a platform it has no build for) there is no probe,
 * and `auto` does not pick WebGPU.
 */

import { createRequire } from 'module';
import * as path from 'path';
import type { AdapterProbe } from '../common/backendChoice';

/** A probe's outcome: the adapter, or a note saying why there is none. */
export type AdapterProbeResult = { readonly probe: AdapterProbe; readonly note?: undefined } | { readonly probe?: undefined; readonly note: string };

interface DawnAdapterInfo {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

interface DawnAdapter {
  readonly info?: DawnAdapterInfo;
  /** Older spelling, on the adapter itself. */
  readonly isFallbackAdapter?: boolean;
}

interface DawnModule {
  create(flags: string[]): { requestAdapter(options?: object): Promise<DawnAdapter | null> };
}

function loadDawn(): DawnModule | string {
  // Resolved from this file at run time (the bundled worker sits next to node_modules), never bundled.
  const requireHere = createRequire(__filename);
  let packageDir: string;
  try {
    packageDir = path.dirname(requireHere.resolve('webgpu/package.json'));
  } catch {
    return 'no WebGPU probe (the optional "webgpu" package is not installed)';
  }
  // The package keeps one build per platform, as its index.js does (macOS: one universal build).
  const platformDir = process.platform === 'darwin' ? 'darwin-universal' : `${process.platform}-${process.arch}`;
  try {
    // The package's index.js is an ES module; its native addon is plain CommonJS.
    return requireHere(path.join(packageDir, 'dist', platformDir, 'dawn.node')) as DawnModule;
  } catch (error) {
    return `no WebGPU probe (Dawn for Node does not load here: ${firstLine(error)})`;
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/** Requests the default WebGPU adapter and reads its info; never throws. */
export async function probeWebGpuAdapter(timeoutMs = 10_000): Promise<AdapterProbeResult> {
  const dawn = loadDawn();
  if (typeof dawn === 'string') return { note: dawn };
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const adapter = await Promise.race([dawn.create([]).requestAdapter(), timeout]);
    if (adapter === 'timeout') return { note: `no WebGPU adapter (the request took over ${timeoutMs} ms)` };
    if (!adapter) return { note: 'no WebGPU adapter' };
    const info = adapter.info ?? {};
    return {
      probe: {
        vendor: info.vendor ?? '',
        architecture: info.architecture ?? '',
        device: info.device ?? '',
        description: info.description ?? '',
        isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
      },
    };
  } catch (error) {
    return { note: `no WebGPU adapter (${firstLine(error)})` };
  } finally {
    clearTimeout(timer);
  }
}
