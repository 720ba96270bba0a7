/*
 * spool_native: the cross-process writer lock for Spool pools.
 *
 * Exposes through N-API:
 *   lock(fd, timeoutMs)           flock(2) LOCK_EX -> 0, or an errno (EWOULDBLOCK on timeout)
 *   unlock(fd)                    flock(2) LOCK_UN -> 0 or an errno
 *   rangeLock(fd, start, len, m)  open-file-description byte-range lock (F_OFD_SETLK, never
 *                                 waits): m = 0 unlock, 1 shared, 2 exclusive -> 0 or an errno;
 *                                 m = 3 tests whether an exclusive lock could be taken
 *                                 (F_OFD_GETLK; works on read-only descriptors) -> 0 or EAGAIN
 *   pipeClosed(fd)                1 when fd is a pipe/socket whose reader went away (poll(2)
 *                                 reports POLLERR/POLLHUP for POLLOUT), else 0; never waits
 *   mapOpen(fd, length, writable) a shared mapping of the file's first `length` bytes (the
 *                                 header and index of a pool) -> an external handle, or an errno
 *   mapRead(map, position, buf, offset, length) / mapWrite(...)
 *                                 copies between the mapping and a Uint8Array -> 0, or EFAULT
 *                                 when the file no longer backs those bytes (truncated), or
 *                                 EINVAL for a range outside the mapping or a closed map
 *   mapClose(map)                 unmaps at once (also done when the handle is collected)
 *   fileLength(fd)                the file's length in bytes, or -errno: lseek(2) to the end
 *                                 (~1.1 us here against fstat's ~1.7 us; all pool I/O is
 *                                 positioned, so the descriptor's offset is never used);
 *                                 a writer checks it before every commit
 *   crc32(buf, start, end, initial)  zlib's crc32(initial, buf[start, end)) (crc32.c: folded
 *                                 with PCLMULQDQ where the CPU has it): the frame checksum of
 *                                 every append and every read, without the per-call cost of
 *                                 node:zlib's argument checks; a bad range is a RangeError
 *   envelopeLines(out, src, meta, count)  writes the JSONL envelope lines of `count` stored
 *                                 frames (envelope.c; meta: a Float64Array of seq, seconds,
 *                                 nanos, payload offset in src, payload length per line) into
 *                                 out from 0 -> the bytes written; a payload range outside src,
 *                                 a short meta or an out too small for every line is a
 *                                 RangeError (nothing is written past out's end)
 * The flock is the writers' lock; the byte-range lock marks a pool as open ("in use"), so a
 * delete can tell. The two kinds are independent on Linux.
 * Invariants: every lock is the kernel's, so it is released when the holder's descriptor is
 * closed or its process dies (kill -9 included); a waiter never blocks longer than timeoutMs;
 * the functions never throw for an OS failure, they return the errno for JS to map.
 * Mapped bytes are only ever touched inside mapRead/mapWrite, under a SIGBUS guard: a file cut
 * short under a mapping makes the copy fail with EFAULT instead of killing the process (a SIGBUS
 * outside a guarded copy goes to the previous handler, as if this addon were not loaded).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <node_api.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "crc32.h"
#include "envelope.h"

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int lock_with_timeout(int fd, int64_t timeout_ms) {
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) return 0;
  if (errno != EWOULDBLOCK && errno != EINTR) return errno;
  int64_t deadline = now_ns() + timeout_ms * 1000000LL;
  /* A holder keeps the lock for a few microseconds (one commit), so for the first ~100 us a
   * waiter retries between yields (which also hands a shared core to the holder), and only then
   * sleeps, from 20 us doubling up to 1 ms, so a stuck holder costs no CPU. */
  int64_t sleep_ns = 20000;
  int64_t spin_until = now_ns() + 100000;
  for (;;) {
    if (now_ns() < spin_until) {
      sched_yield();
    } else {
      struct timespec ts = {0, (long)sleep_ns};
      nanosleep(&ts, NULL);
      if (sleep_ns < 1000000) sleep_ns *= 2;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return 0;
    if (errno != EWOULDBLOCK && errno != EINTR) return errno;
    if (now_ns() >= deadline) return EWOULDBLOCK;
  }
}

static napi_value make_int(napi_env env, int32_t value) {
  napi_value out;
  napi_create_int32(env, value, &out);
  return out;
}

static napi_value js_lock(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd = -1;
  int64_t timeout_ms = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_value_int64(env, argv[1], &timeout_ms) != napi_ok) {
    napi_throw_type_error(env, NULL, "lock(fd, timeoutMs) expects two integers");
    return NULL;
  }
  if (timeout_ms < 0) timeout_ms = 0;
  return make_int(env, lock_with_timeout(fd, timeout_ms));
}

static napi_value js_unlock(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "unlock(fd) expects an integer");
    return NULL;
  }
  return make_int(env, flock(fd, LOCK_UN) == 0 ? 0 : errno);
}

static napi_value js_range_lock(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t fd = -1, mode = 0;
  int64_t start = 0, len = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4 || napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_value_int64(env, argv[1], &start) != napi_ok ||
      napi_get_value_int64(env, argv[2], &len) != napi_ok ||
      napi_get_value_int32(env, argv[3], &mode) != napi_ok || mode < 0 || mode > 3) {
    napi_throw_type_error(env, NULL, "rangeLock(fd, start, len, mode) expects integers, mode 0..3");
    return NULL;
  }
  struct flock fl = {0};
  fl.l_type = mode == 0 ? F_UNLCK : mode == 1 ? F_RDLCK : F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = (off_t)start;
  fl.l_len = (off_t)len;
  fl.l_pid = 0;
#ifndef F_OFD_SETLK
  (void)fd;
  return make_int(env, ENOSYS); /* no OFD locks here: presence is not tracked */
#else
  if (mode == 3) {
    if (fcntl(fd, F_OFD_GETLK, &fl) != 0) return make_int(env, errno);
    return make_int(env, fl.l_type == F_UNLCK ? 0 : EAGAIN);
  }
  return make_int(env, fcntl(fd, F_OFD_SETLK, &fl) == 0 ? 0 : errno);
#endif
}

static napi_value js_pipe_closed(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "pipeClosed(fd) expects an integer");
    return NULL;
  }
  struct pollfd p = {fd, POLLOUT, 0};
  int rc = poll(&p, 1, 0);
  return make_int(env, rc > 0 && (p.revents & (POLLERR | POLLHUP)) ? 1 : 0);
}

/* ---- guarded access to a mapping ---------------------------------------------------------- */

/* The copy in progress on this thread, if any: where a SIGBUS during it jumps back to. */
static __thread sigjmp_buf *volatile guard_jump = NULL;
static struct sigaction previous_bus;
static int bus_handler_installed = 0;

static void on_sigbus(int sig, siginfo_t *info, void *context) {
  sigjmp_buf *jump = guard_jump;
  if (jump != NULL) {
    guard_jump = NULL;
    siglongjmp(*jump, 1);
  }
  /* Not a guarded copy: restore whatever handled SIGBUS before and return; the faulting
   * instruction runs again and faults into that handler (by default: the process dies). */
  (void)sig;
  (void)context;
  sigaction(SIGBUS, &previous_bus, NULL);
  /* A SIGBUS sent by a process (kill) is not re-raised by returning: raise it again. */
  if (info != NULL && info->si_code <= 0) raise(SIGBUS);
}

static int install_bus_handler(void) {
  if (bus_handler_installed) return 0;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_sigbus;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGBUS, &action, &previous_bus) != 0) return errno;
  bus_handler_installed = 1;
  return 0;
}

/* memcpy that returns EFAULT instead of dying when the mapped side is no longer backed. */
static int guarded_copy(void *dst, const void *src, size_t length) {
  sigjmp_buf jump;
  /* The mask need not be saved (saving costs a system call per copy): the handler runs with
   * SA_NODEFER and an empty sa_mask, so jumping out of it leaves the mask as it was. */
  if (sigsetjmp(jump, 0) != 0) return EFAULT;
  guard_jump = &jump;
  __asm__ volatile("" ::: "memory");
  memcpy(dst, src, length);
  __asm__ volatile("" ::: "memory");
  guard_jump = NULL;
  return 0;
}

typedef struct {
  uint8_t *addr;
  size_t length;
  int writable;
} Mapping;

static void unmap(Mapping *m) {
  if (m->addr != NULL) munmap(m->addr, m->length);
  m->addr = NULL;
}

static void finalize_mapping(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  unmap((Mapping *)data);
  free(data);
}

static napi_value js_map_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd = -1;
  int64_t length = 0;
  bool writable = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_value_int64(env, argv[1], &length) != napi_ok || length <= 0 ||
      napi_get_value_bool(env, argv[2], &writable) != napi_ok) {
    napi_throw_type_error(env, NULL, "mapOpen(fd, length, writable) expects fd, length > 0, bool");
    return NULL;
  }
  int rc = install_bus_handler();
  if (rc != 0) return make_int(env, rc);
  void *addr = mmap(NULL, (size_t)length, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED,
                    fd, 0);
  if (addr == MAP_FAILED) return make_int(env, errno);
  Mapping *m = malloc(sizeof *m);
  if (m == NULL) {
    munmap(addr, (size_t)length);
    return make_int(env, ENOMEM);
  }
  m->addr = addr;
  m->length = (size_t)length;
  m->writable = writable ? 1 : 0;
  napi_value external;
  if (napi_create_external(env, m, finalize_mapping, NULL, &external) != napi_ok) {
    unmap(m);
    free(m);
    return make_int(env, ENOMEM);
  }
  return external;
}

/* map, position, buf, offset, length -> the mapping, and a checked range in both. */
static int map_args(napi_env env, napi_callback_info info, Mapping **m, uint8_t **bytes,
                    int64_t *position, int64_t *length) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void *data = NULL;
  napi_typedarray_type type;
  size_t count = 0;
  void *raw = NULL;
  int64_t offset = 0;
  if (argc < 5 || napi_get_value_external(env, argv[0], &data) != napi_ok ||
      napi_get_value_int64(env, argv[1], position) != napi_ok ||
      napi_get_typedarray_info(env, argv[2], &type, &count, &raw, NULL, NULL) != napi_ok ||
      type != napi_uint8_array || napi_get_value_int64(env, argv[3], &offset) != napi_ok ||
      napi_get_value_int64(env, argv[4], length) != napi_ok) {
    napi_throw_type_error(env, NULL, "expects (map, position, Uint8Array, offset, length)");
    return -1;
  }
  *m = (Mapping *)data;
  if ((*m)->addr == NULL || *position < 0 || *length < 0 || offset < 0 ||
      (uint64_t)(*position + *length) > (*m)->length || (uint64_t)(offset + *length) > count)
    return EINVAL;
  *bytes = (uint8_t *)raw + offset;
  return 0;
}

/* Copies between a mapping and a Uint8Array in either direction: mapRead and mapWrite. */
static napi_value map_copy(napi_env env, napi_callback_info info, int into_map) {
  Mapping *m;
  uint8_t *bytes;
  int64_t position, length;
  int rc = map_args(env, info, &m, &bytes, &position, &length);
  if (rc < 0) return NULL;
  if (rc == 0 && into_map && !m->writable) rc = EBADF;
  if (rc == 0) {
    uint8_t *mapped = m->addr + position;
    rc = into_map ? guarded_copy(mapped, bytes, (size_t)length)
                  : guarded_copy(bytes, mapped, (size_t)length);
  }
  return make_int(env, rc);
}

static napi_value js_map_read(napi_env env, napi_callback_info info) {
  return map_copy(env, info, 0);
}

static napi_value js_map_write(napi_env env, napi_callback_info info) {
  return map_copy(env, info, 1);
}

static napi_value js_map_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "mapClose(map) expects a mapping");
    return NULL;
  }
  unmap((Mapping *)data);
  return make_int(env, 0);
}

static napi_value js_file_length(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "fileLength(fd) expects an integer");
    return NULL;
  }
  off_t end = lseek(fd, 0, SEEK_END);
  double length = end >= 0 ? (double)end : -(double)errno;
  napi_value result;
  napi_create_double(env, length, &result);
  return result;
}

static napi_value js_crc32(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  void *data = NULL;
  size_t length = 0;
  int64_t start = 0, end = 0;
  uint32_t initial = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4 || napi_get_typedarray_info(env, argv[0], NULL, &length, &data, NULL, NULL) != napi_ok ||
      napi_get_value_int64(env, argv[1], &start) != napi_ok ||
      napi_get_value_int64(env, argv[2], &end) != napi_ok ||
      napi_get_value_uint32(env, argv[3], &initial) != napi_ok) {
    napi_throw_type_error(env, NULL, "crc32(buf, start, end, initial) expects a Uint8Array and integers");
    return NULL;
  }
  if (start < 0 || end < start || (uint64_t)end > (uint64_t)length) {
    napi_throw_range_error(env, NULL, "crc32: the range is outside the buffer");
    return NULL;
  }
  uint32_t crc = spool_crc32(initial, (const uint8_t *)data + start, (size_t)(end - start));
  napi_value result;
  napi_create_uint32(env, crc, &result);
  return result;
}

static int typed_bytes(napi_env env, napi_value value, napi_typedarray_type want, void **data,
                       size_t *length) {
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, value, &type, length, data, NULL, NULL) != napi_ok) return 0;
  return type == want || (want == napi_uint8_array && type == napi_uint8_clamped_array);
}

static napi_value js_envelope_lines(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  void *out = NULL, *src = NULL, *meta = NULL;
  size_t out_len = 0, src_len = 0, meta_len = 0;
  uint32_t count = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4 || !typed_bytes(env, argv[0], napi_uint8_array, &out, &out_len) ||
      !typed_bytes(env, argv[1], napi_uint8_array, &src, &src_len) ||
      !typed_bytes(env, argv[2], napi_float64_array, &meta, &meta_len) ||
      napi_get_value_uint32(env, argv[3], &count) != napi_ok) {
    napi_throw_type_error(env, NULL,
                          "envelopeLines(out, src, meta, count) expects two Uint8Arrays, a "
                          "Float64Array and a count");
    return NULL;
  }
  if ((size_t)count * ENVELOPE_META_FIELDS > meta_len) {
    napi_throw_range_error(env, NULL, "envelopeLines: meta is shorter than count lines");
    return NULL;
  }
  const double *m = (const double *)meta;
  for (size_t k = 0; k < count; k++) {
    const double *f = m + k * ENVELOPE_META_FIELDS;
    if (!(f[0] >= 0 && f[0] <= 9007199254740991.0 && f[1] >= 0 && f[1] <= 253402300799.0 &&
          f[2] >= 0 && f[2] < 1e9 && f[3] >= 0 && f[4] >= 0 && f[3] + f[4] <= (double)src_len)) {
      napi_throw_range_error(env, NULL, "envelopeLines: a line's fields are out of range");
      return NULL;
    }
  }
  size_t written = 0;
  size_t lines = spool_envelope_lines((uint8_t *)out, out_len, (const uint8_t *)src, m, count,
                                      &written);
  if (lines < count) {
    napi_throw_range_error(env, NULL, "envelopeLines: out is too small for every line");
    return NULL;
  }
  napi_value result;
  napi_create_double(env, (double)written, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"lock", NULL, js_lock, NULL, NULL, NULL, napi_default, NULL},
      {"unlock", NULL, js_unlock, NULL, NULL, NULL, napi_default, NULL},
      {"rangeLock", NULL, js_range_lock, NULL, NULL, NULL, napi_default, NULL},
      {"pipeClosed", NULL, js_pipe_closed, NULL, NULL, NULL, napi_default, NULL},
      {"mapOpen", NULL, js_map_open, NULL, NULL, NULL, napi_default, NULL},
      {"mapRead", NULL, js_map_read, NULL, NULL, NULL, napi_default, NULL},
      {"mapWrite", NULL, js_map_write, NULL, NULL, NULL, napi_default, NULL},
      {"mapClose", NULL, js_map_close, NULL, NULL, NULL, napi_default, NULL},
      {"fileLength", NULL, js_file_length, NULL, NULL, NULL, napi_default, NULL},
      {"crc32", NULL, js_crc32, NULL, NULL, NULL, napi_default, NULL},
      {"envelopeLines", NULL, js_envelope_lines, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
