/**
 * The published state of a pool as this process sees it: one positioned read of both state
 * slots per call, decoded only when those bytes differ from the ones the cached state came from
 * (another process published since), and kept current by this process's own publications.
 *
 * Invariants: `read` always reads the file; the state it returns is exactly what a fresh decode
 * of the bytes just read would give (a cached decode is reused only for byte-identical slots);
 * `damaged` and `claims` describe those same bytes; returned states are shared and never mutated.
 */
import { SpoolError } from "../errors.js";
import {
  damagedSlotClaims,
  decodeState,
  HEADER_READ_SIZE,
  type PoolState,
  type SlotClaim,
  STATE_SLOT_OFFSETS,
  STATE_SLOT_SIZE,
} from "../format/header.js";
import type { PoolFile } from "../platform/file.js";

/** How many torn reads (a slot caught mid-publication) `read` retries before Corrupt. */
const READ_ATTEMPTS = 8;

export class StateView {
  readonly #file: PoolFile;
  readonly #ringSize: number;
  readonly #buf = Buffer.alloc(HEADER_READ_SIZE);
  /** The header bytes `#state` and `#slotClaims` describe. */
  readonly #known = Buffer.alloc(HEADER_READ_SIZE);
  #state: PoolState | undefined;
  /** Per slot, set when it is damaged: its unverified generation and newest seq. */
  #slotClaims: (SlotClaim | undefined)[] = [undefined, undefined];

  constructor(file: PoolFile, ringSize: number) {
    this.#file = file;
    this.#ringSize = ringSize;
  }

  /** Reads the published state (the valid slot with the highest generation). */
  read(): PoolState {
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      this.#file.readMetaExact(this.#buf, 0, HEADER_READ_SIZE, 0);
      if (this.#state && this.#buf.equals(this.#known)) return this.#state;
      const state = decodeState(this.#buf, this.#ringSize);
      if (!state) continue;
      this.#buf.copy(this.#known);
      this.#state = state;
      this.#slotClaims = damagedSlotClaims(this.#buf, this.#ringSize);
      return state;
    }
    throw new SpoolError("Corrupt", "no valid state slot in the pool header", {
      path: this.#file.path,
      offset: STATE_SLOT_OFFSETS[0],
      hint: "the pool header is damaged; run `spool doctor` and recreate the pool",
    });
  }

  /**
   * True when, in the bytes last read, a state slot that was once written no longer validates:
   * the newer publication may be the damaged one (see recover.ts).
   */
  get damaged(): boolean {
    return this.#slotClaims[0] !== undefined || this.#slotClaims[1] !== undefined;
  }

  /** Per slot (A, B), in the bytes last read: a damaged slot's unverified claim. */
  get claims(): readonly (SlotClaim | undefined)[] {
    return this.#slotClaims;
  }

  /**
   * Records a publication this process just wrote: `slot` (64 encoded bytes) at header offset
   * `offset`, decoding to `state`. The next `read` of byte-identical slots then needs no decode.
   */
  published(offset: number, slot: Buffer, state: PoolState): void {
    if (!this.#state) return;
    slot.copy(this.#known, offset, 0, STATE_SLOT_SIZE);
    this.#slotClaims[offset === STATE_SLOT_OFFSETS[0] ? 0 : 1] = undefined;
    this.#state = state;
  }
}
