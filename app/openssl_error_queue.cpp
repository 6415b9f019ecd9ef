// OpenSSL keeps one error queue per thread, and SSL_get_error() reads it:
// an operation must start with the queue empty, or a stale error from
// another connection makes a harmless "no data yet" look like a broken
// link. CAF 0.17's OpenSSL module (the cluster's mutual TLS) never clears
// the queue, so one stranger failing the TLS handshake on the cluster port
// would make the node drop its healthy links to other members (seen in
// tests/integration/test_cluster_security.py). These definitions in the
// parleyd executable take precedence over libssl's for every library in
// the process: each clears the calling thread's queue, then does the real
// call. Nothing else changes.
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <dlfcn.h>

namespace {

template <class F>
F real(const char* name) {
  // libssl's own definition, of the version CAF was linked against.
  auto* fn = dlvsym(RTLD_NEXT, name, "OPENSSL_3.0.0");
  if (!fn)
    fn = dlsym(RTLD_NEXT, name);
  return reinterpret_cast<F>(fn);
}

using io_fn = int (*)(SSL*, void*, int);
using const_io_fn = int (*)(SSL*, const void*, int);
using handshake_fn = int (*)(SSL*);

} // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static auto fn = real<io_fn>("SSL_read");
  ERR_clear_error();
  return fn(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto fn = real<const_io_fn>("SSL_write");
  ERR_clear_error();
  return fn(ssl, buf, num);
}

int SSL_accept(SSL* ssl) {
  static auto fn = real<handshake_fn>("SSL_accept");
  ERR_clear_error();
  return fn(ssl);
}

int SSL_connect(SSL* ssl) {
  static auto fn = real<handshake_fn>("SSL_connect");
  ERR_clear_error();
  return fn(ssl);
}

} // extern "C"
