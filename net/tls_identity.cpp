#include "net/tls_identity.hpp"

#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>

#include "net/tls_files.hpp"

namespace parley::net {

namespace ssl = boost::asio::ssl;

tls_identity::tls_identity(std::string cert_path, std::string key_path)
  : cert_path_(std::move(cert_path)), key_path_(std::move(key_path)) {
}

std::string tls_identity::reload() {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  auto* native = ctx->native_handle();
  // TLS 1.2 and 1.3 only; OpenSSL's default ciphers for those.
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION
                                | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // An idle connection gives OpenSSL's record buffers back (about 34 KiB
  // each): most connections are idle most of the time.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  if (auto problem = use_pair(native, cert_path_, key_path_); !problem.empty())
    return problem;
  std::lock_guard<std::mutex> guard{mtx_};
  current_ = std::move(ctx);
  return {};
}

std::shared_ptr<ssl::context> tls_identity::current() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return current_;
}

} // namespace parley::net
