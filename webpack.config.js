// Three bundles: the extension host (node, `vscode` external), the inference worker and its WebGPU probe (node,
// transformers.js bundled, ONNX Runtime packages loaded from node_modules at run time because
// they carry native and .wasm files), and the webview UI (web).
'use strict';
const path = require('path');

const tsRule = { test: /\.ts$/, exclude: /node_modules/, use: [{ loader: 'ts-loader', options: { transpileOnly: true } }] };

/** @type {(env: unknown, argv: { mode?: string }) => import('webpack').Configuration} */
const base = (argv) => ({
  mode: argv.mode ?? 'production',
  devtool: 'source-map',
  resolve: { extensions: ['.ts', '.js'] },
  module: { rules: [tsRule] },
  infrastructureLogging: { level: 'warn' },
  performance: { hints: false },
});

module.exports = (env, argv) => [
  {
    ...base(argv),
    name: 'extension',
    target: 'node',
    entry: { extension: './src/extension.ts' },
    output: { path: path.resolve(__dirname, 'dist'), filename: '[name].js', libraryTarget: 'commonjs2' },
    externals: { vscode: 'commonjs vscode' },
  },
  {
    ...base(argv),
    name: 'worker',
    target: 'node',
    // The WebGPU probe runs as its own process and must sit beside worker.js (see webgpuAdapter.ts).
    entry: { worker: './src/worker/main.ts', webgpuProbeProcess: './src/worker/webgpuProbeProcess.ts' },
    output: { path: path.resolve(__dirname, 'dist'), filename: '[name].js', libraryTarget: 'commonjs2' },
    // Keep Node's own __filename/__dirname: transformers.js resolves onnxruntime-node from it.
    node: { __filename: false, __dirname: false },
    resolve: {
      extensions: ['.ts', '.js'],
      alias: {
        // The CommonJS build; the ESM one would bake the build machine's import.meta.url in.
        '@huggingface/transformers$': path.resolve(__dirname, 'node_modules/@huggingface/transformers/dist/transformers.node.cjs'),
        // Image processing is never used here; leaving sharp out keeps its native binaries out of the package.
        sharp$: false,
      },
    },
    externals: {
      'onnxruntime-node': 'commonjs onnxruntime-node',
      'onnxruntime-web': 'commonjs onnxruntime-web',
      'onnxruntime-common': 'commonjs onnxruntime-common',
    },
  },
  {
    ...base(argv),
    name: 'webview',
    target: 'web',
    entry: { webview: './src/webview-ui/main.ts' },
    output: { path: path.resolve(__dirname, 'dist'), filename: '[name].js' },
  },
];
