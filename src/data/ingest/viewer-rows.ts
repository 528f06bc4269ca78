// Hugging Face dataset-viewer rows (the datasets-server /rows and /first-rows answers, saved whole or one row a line):
// `{"row_idx": 0, "row": {...}, "truncated_cells": [...]}`. The record is the row's "row"; a row whose cells the viewer
// cut short (truncated_cells names them; /first-rows cuts long cells to fit its answer) is rejected as truncated:
// its text is not the dataset's, and trained it would teach text that stops mid-word.
import type { RawItem, ReadOptions } from './types.ts';

const VIEWER_KEYS = new Set(['row_idx', 'row', 'truncated_cells']);

/** Whether `v` is one dataset-viewer row: "row_idx" and an object "row", and nothing but those and "truncated_cells". */
export function isViewerRow(v: unknown): v is { row_idx: unknown; row: Record<string, unknown>; truncated_cells?: unknown } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const row = (v as Record<string, unknown>).row;
  return Object.hasOwn(v, 'row_idx') && typeof row === 'object' && row !== null && !Array.isArray(row) && Object.keys(v).every((k) => VIEWER_KEYS.has(k));
}

/** The items, each dataset-viewer row read as its "row" (or rejected as truncated); once all are read, a note when there were any. */
export function* viewerRows(items: Iterable<RawItem>, opts: ReadOptions): Generator<RawItem> {
  let read = 0, truncated = 0;
  for (const item of items) {
    if (!isViewerRow(item.value)) {
      yield item;
      continue;
    }
    read++;
    const { row_idx: index, row, truncated_cells: cells } = item.value;
    const cut = Array.isArray(cells) ? cells.map((c) => JSON.stringify(String(c))) : [];
    if (cut.length === 0) {
      yield { ...item, value: row };
      continue;
    }
    truncated++;
    const { value: _row, python: _python, ...rest } = item;
    yield {
      ...rest,
      error: {
        reason: 'truncated',
        detail: `the dataset viewer cut the cell${cut.length === 1 ? '' : 's'} ${cut.join(', ')} short (row_idx ${JSON.stringify(index)}, truncated_cells): ` +
          `not the dataset's text; download the split's own files (the dataset's Parquet or JSON files, or load_dataset(...).to_json()) for the whole rows`,
      },
    };
  }
  if (read > 0) {
    opts.onNote?.(`${read} record${read === 1 ? ' is a' : 's are'} Hugging Face dataset-viewer row${read === 1 ? '' : 's'} ({"row_idx", "row", "truncated_cells"}): read as their "row"` +
      (truncated > 0 ? `, ${truncated} of them rejected as truncated (the viewer cut a cell short)` : ''));
  }
}
