/*
 * spool_native: the cross-process writer lock for Spool pools.
 *
 * Exposes flock(2) on an open file descriptor through N-API:
 *   lock(fd, timeoutMs) -> 0 on success, or an errno (EWOULDBLOCK when the timeout passed)
 *   unlock(fd)          -> 0 or an errno
 * Invariants: the lock is the kernel's, so it is released when the holder's descriptor is
 * closed or its process dies (kill -9 included); a waiter never blocks longer than timeoutMs;
 * the function never throws for an OS failure, it returns the errno for JS to map.
 */
#include <errno.h>
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
  int64_t sleep_ns = 2000; /* start at 2 us, back off to 500 us */
  int spins = 0;
  for (;;) {
    if (spins < 16) {
      spins++;
      sched_yield();
    } else {
      struct timespec ts = {0, (long)sleep_ns};
      nanosleep(&ts, NULL);
      if (sleep_ns < 500000) sleep_ns *= 2;
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

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"lock", NULL, js_lock, NULL, NULL, NULL, napi_default, NULL},
      {"unlock", NULL, js_unlock, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
