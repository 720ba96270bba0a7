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
 * The flock is the writers' lock; the byte-range lock marks a pool as open ("in use"), so a
 * delete can tell. The two kinds are independent on Linux.
 * Invariants: every lock is the kernel's, so it is released when the holder's descriptor is
 * closed or its process dies (kill -9 included); a waiter never blocks longer than timeoutMs;
 * the functions never throw for an OS failure, they return the errno for JS to map.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <node_api.h>
#include <sched.h>
#include <stdint.h>
#include <sys/file.h>
#include <time.h>

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

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"lock", NULL, js_lock, NULL, NULL, NULL, napi_default, NULL},
      {"unlock", NULL, js_unlock, NULL, NULL, NULL, napi_default, NULL},
      {"rangeLock", NULL, js_range_lock, NULL, NULL, NULL, napi_default, NULL},
      {"pipeClosed", NULL, js_pipe_closed, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
