/** Arrow-key movement in a grid of cells, shared by the matrix, the heads overview and the head view. */

/** A position in a grid. */
export interface GridPosition {
  readonly row: number;
  readonly col: number;
}

/** Where `key` moves `from` in a `rows` × `cols` grid, clamped to its edges; undefined for keys that do not move. */
export function moveInGrid(from: GridPosition, key: string, rows: number, cols: number, pageSize = 10): GridPosition | undefined {
  const clamp = (value: number, max: number) => Math.max(0, Math.min(max - 1, value));
  switch (key) {
    case 'ArrowUp':
      return { row: clamp(from.row - 1, rows), col: from.col };
    case 'ArrowDown':
      return { row: clamp(from.row + 1, rows), col: from.col };
    case 'ArrowLeft':
      return { row: from.row, col: clamp(from.col - 1, cols) };
    case 'ArrowRight':
      return { row: from.row, col: clamp(from.col + 1, cols) };
    case 'PageUp':
      return { row: clamp(from.row - pageSize, rows), col: from.col };
    case 'PageDown':
      return { row: clamp(from.row + pageSize, rows), col: from.col };
    case 'Home':
      return { row: from.row, col: 0 };
    case 'End':
      return { row: from.row, col: cols - 1 };
    default:
      return undefined;
  }
}
