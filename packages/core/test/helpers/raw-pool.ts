/**
 * A pool file opened below the Pool API, for tests of the engine's readers: the file, its
 * decoded layout and its published state (read once, at open). The caller closes the file.
 */
import {
  decodeLayout,
  decodeState,
  HEADER_READ_SIZE,
  type PoolLayout,
  type PoolState,
} from "../../src/format/header.js";
import { PoolFile } from "../../src/platform/file.js";

export interface RawPool {
  file: PoolFile;
  layout: PoolLayout;
  state: PoolState;
}

export function openRawPool(path: string): RawPool {
  const file = PoolFile.open(path, true);
  const header = Buffer.alloc(HEADER_READ_SIZE);
  file.readExact(header, 0, HEADER_READ_SIZE, 0);
  const layout = decodeLayout(header, path, file.size());
  const state = decodeState(header, layout.ringSize);
  if (!state) {
    file.close();
    throw new Error(`no valid state in ${path}`);
  }
  return { file, layout, state };
}
