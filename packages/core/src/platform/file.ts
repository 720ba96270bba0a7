/**
 * Positioned file I/O on a long-lived descriptor: the only place core reads and writes pool
 * bytes. The header and index (the file's first bytes, read on every append and get) may also
 * go through a shared mapping (`mapMeta`), which saves a system call per access; a writable
 * file maps all of itself, so a `fast` append's frames are stored through the mapping too
 * (`writeFrames`).
 *
 * Invariants: reads and writes are whole (short writes are retried; a short read means the file
 * was truncated and is reported as Corrupt); every system error becomes a SpoolError with the
 * pool's path; the descriptor is closed exactly once, after its mapping. The mapping is only an
 * accelerator: it is touched only through the addon's SIGBUS-guarded copies, and an access it
 * cannot serve (the file was cut short under it) is done with positioned I/O instead, so every
 * result and error is what positioned I/O alone would give. Writes that followers must notice
 * (the state publication) never use it: a store through a mapping raises no file-change event.
 * Frames of `flush` appends are written with positioned I/O, so the fdatasync that makes them
 * durable needs no knowledge of mapped stores on any platform.
 */
import * as fs from "node:fs";
import { fromSystemError, SpoolError } from "../errors.js";
import { loadNative, type NativeMapping } from "./native.js";

/** Set SPOOL_NO_MAP=1 to use positioned I/O alone (used by tests that prove that path). */
function mappingDisabled(): boolean {
  return process.env.SPOOL_NO_MAP === "1";
}

export class PoolFile {
  readonly path: string;
  readonly writable: boolean;
  #fd: number;
  #map: NativeMapping | undefined;
  #mapLength = 0;

  private constructor(path: string, fd: number, writable: boolean) {
    this.path = path;
    this.#fd = fd;
    this.writable = writable;
  }

  /**
   * Opens read-write, or read-only when the file may not be written. O_NONBLOCK (no effect on a
   * regular file) keeps a FIFO at the path from blocking the open until a writer appears; callers
   * then refuse it as not a regular file.
   */
  static open(path: string, readOnly = false): PoolFile {
    loadNative(); // an unusable install fails here, before the pool is touched
    const { O_RDONLY, O_RDWR, O_NONBLOCK } = fs.constants;
    try {
      if (!readOnly) {
        try {
          return new PoolFile(path, fs.openSync(path, O_RDWR | O_NONBLOCK), true);
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (code !== "EACCES" && code !== "EPERM" && code !== "EROFS") throw error;
        }
      }
      return new PoolFile(path, fs.openSync(path, O_RDONLY | O_NONBLOCK), false);
    } catch (error) {
      throw fromSystemError(error, path, "open");
    }
  }

  get fd(): number {
    if (this.#fd < 0) {
      throw new SpoolError("Usage", "the pool is closed", {
        path: this.path,
        hint: "open the pool again before using it",
      });
    }
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  size(): number {
    try {
      return fs.fstatSync(this.fd).size;
    } catch (error) {
      throw fromSystemError(error, this.path, "stat");
    }
  }

  /**
   * Throws Corrupt when the file is shorter than `expected` bytes (cut short by another process
   * since it was opened): a writer checks this before it commits, because positioned writes
   * would silently extend a truncated file into one that no fresh open accepts.
   */
  assertLength(expected: number): void {
    const length = loadNative().fileLength(this.fd);
    const actual = length < 0 ? this.size() : length;
    if (actual >= expected) return;
    throw new SpoolError(
      "Corrupt",
      `pool file is truncated: ${actual} bytes, header says ${expected}`,
      {
        path: this.path,
        offset: actual,
        hint: "another process cut the file short; nothing was appended. Run `spool doctor`, then restore or recreate the pool",
      },
    );
  }

  /** Reads up to `length` bytes at `position` into `buf[offset..]`; returns the count read. */
  readSome(buf: Uint8Array, offset: number, length: number, position: number): number {
    try {
      let done = 0;
      while (done < length) {
        const n = fs.readSync(this.fd, buf, offset + done, length - done, position + done);
        if (n === 0) break;
        done += n;
      }
      return done;
    } catch (error) {
      throw fromSystemError(error, this.path, "read");
    }
  }

  /** Reads exactly `length` bytes or throws Corrupt (the file is shorter than its layout). */
  readExact(buf: Uint8Array, offset: number, length: number, position: number): void {
    const n = this.readSome(buf, offset, length, position);
    if (n < length) {
      throw new SpoolError("Corrupt", `pool file is truncated at offset ${position + n}`, {
        path: this.path,
        offset: position + n,
        hint: "the file was cut short; run `spool doctor`, then restore or recreate the pool",
      });
    }
  }

  /**
   * Maps the file's first `length` bytes for `readMeta`/`writeMeta`. False when mapping is off or
   * unavailable; those then use positioned I/O. Call only once the file is known to be at least
   * `length` bytes long.
   */
  mapMeta(length: number, fileSize = length): boolean {
    if (this.#map || mappingDisabled() || length <= 0) return this.#map !== undefined;
    const native = loadNative();
    // A writer maps the whole file (frames too, see `writeFrames`), a reader only the meta
    // bytes; where the whole file cannot be mapped (address space), the meta bytes alone.
    const lengths = this.writable && fileSize > length ? [fileSize, length] : [length];
    for (const want of lengths) {
      const map = native.mapOpen(this.fd, want, this.writable);
      if (typeof map === "number") continue;
      this.#map = map;
      this.#mapLength = want;
      return true;
    }
    return false;
  }

  /** True when the mapping covers the range and `copy` moved the bytes (else: positioned I/O). */
  #viaMap(
    copy: "mapRead" | "mapWrite",
    buf: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): boolean {
    const map = this.#map;
    return (
      map !== undefined &&
      position + length <= this.#mapLength &&
      loadNative()[copy](map, position, buf, offset, length) === 0
    );
  }

  /** Like `readSome`, through the mapping when it covers the range. */
  readMeta(buf: Uint8Array, offset: number, length: number, position: number): number {
    if (this.#viaMap("mapRead", buf, offset, length, position)) return length;
    return this.readSome(buf, offset, length, position);
  }

  /** Like `readExact`, through the mapping when it covers the range. */
  readMetaExact(buf: Uint8Array, offset: number, length: number, position: number): void {
    if (!this.#viaMap("mapRead", buf, offset, length, position))
      this.readExact(buf, offset, length, position);
  }

  /**
   * Like `write`, through the mapping when it covers the range. For bytes nobody needs to be
   * woken for (index slots): a store through a mapping raises no file-change event.
   */
  writeMeta(buf: Uint8Array, offset: number, length: number, position: number): void {
    this.assertWritable();
    if (!this.#viaMap("mapWrite", buf, offset, length, position))
      this.write(buf, offset, length, position);
  }

  /**
   * Stores frames of an append that is not yet published: through the mapping for a `fast`
   * append (a memory copy instead of a system call; the publication that follows is a
   * positioned write, which wakes followers), with positioned I/O for `flush` or where the
   * mapping does not cover them.
   */
  writeFrames(
    buf: Uint8Array,
    offset: number,
    length: number,
    position: number,
    mapped: boolean,
  ): void {
    if (mapped) this.writeMeta(buf, offset, length, position);
    else this.write(buf, offset, length, position);
  }

  write(buf: Uint8Array, offset: number, length: number, position: number): void {
    this.assertWritable();
    try {
      let done = 0;
      while (done < length) {
        done += fs.writeSync(this.fd, buf, offset + done, length - done, position + done);
      }
    } catch (error) {
      throw fromSystemError(error, this.path, "write");
    }
  }

  datasync(): void {
    try {
      fs.fdatasyncSync(this.fd);
    } catch (error) {
      throw fromSystemError(error, this.path, "sync");
    }
  }

  assertWritable(): void {
    if (!this.writable) {
      throw new SpoolError("Permission", "the pool file is read-only for this process", {
        path: this.path,
        hint: "check the file's owner and mode, or append as a user that may write it",
      });
    }
  }

  close(): void {
    if (this.#map) {
      loadNative().mapClose(this.#map);
      this.#map = undefined;
    }
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    try {
      fs.closeSync(fd);
    } catch {
      // closing is best effort: the descriptor is gone either way
    }
  }
}
