#pragma once
// Certificate files, read one way for every use: the listener's pair when
// it loads or reloads (net/tls_identity.cpp), and the check at start, so
// that a wrong path, a key that does not match or a certificate another CA
// signed stops parleyd with one line before anything listens.
#include <string>

struct ssl_ctx_st; // OpenSSL's SSL_CTX

namespace parley::net {

// Puts `cert` (PEM, chain allowed) and its `key` into `ctx`: "" or why
// they cannot serve.
std::string use_pair(::ssl_ctx_st* ctx, const std::string& cert, const std::string& key);

// Why the pair cannot serve, or "". With `ca`, the certificate must also
// verify against it.
std::string tls_files_problem(const std::string& cert, const std::string& key,
                              const std::string& ca = {});

} // namespace parley::net
