/** How a model download reads in its notification (pure, for tests). */

import { formatBytes } from '../common/downloadedModels';
import type { DownloadStatus } from '../common/protocol';

/** Whole percent of the bytes in, or undefined while the total is unknown. */
export function downloadPercent(status: DownloadStatus): number | undefined {
  if (!status.totalBytes) return undefined;
  return Math.min(100, Math.floor((status.receivedBytes / status.totalBytes) * 100));
}

/** "about 2 min left", "12 s left", "" while the speed is unknown. */
export function timeLeftText(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s left`;
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min left`;
  const hours = Math.floor(seconds / 3600);
  return `about ${hours} h ${Math.round((seconds - hours * 3600) / 60)} min left`;
}

/** "120.5 MB of 480.0 MB (25%) · 4.1 MB/s · about 2 min left — onnx/model_q4.onnx". */
export function downloadMessage(status: DownloadStatus): string {
  const percent = downloadPercent(status);
  const amount = status.totalBytes
    ? `${formatBytes(status.receivedBytes)} of ${formatBytes(status.totalBytes)} (${percent}%)`
    : formatBytes(status.receivedBytes);
  const speed = status.bytesPerSecond > 0 ? `${formatBytes(status.bytesPerSecond)}/s` : 'starting…';
  const left = timeLeftText(status.secondsLeft);
  return [amount, speed, left].filter(Boolean).join(' · ') + ` — ${status.file}`;
}
