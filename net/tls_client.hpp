#pragma once
// How every Parley client checks a TLS server: the CLI and parley-bench
// (net/client.cpp, app/bench/ws_fleet.cpp) and the push sender
// (net/webhook.cpp). The chain must verify against `ca_file`, or the
// system's CAs when it is empty, and the certificate must name the host.
#include <boost/asio/ssl.hpp>
#include <boost/system/system_error.hpp>

#include <string>

namespace parley::net {

// TLS 1.2 or later. Throws boost::system::system_error if `ca_file`
// cannot be read.
inline boost::asio::ssl::context verifying_client_context(const std::string& ca_file = {}) {
  namespace ssl = boost::asio::ssl;
  ssl::context ctx{ssl::context::tls_client};
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  if (ca_file.empty())
    ctx.set_default_verify_paths();
  else
    ctx.load_verify_file(ca_file);
  ctx.set_verify_mode(ssl::verify_peer);
  return ctx;
}

// Before the handshake: the host goes in SNI and must be on the certificate.
template <class TlsStream>
void expect_server_name(TlsStream& stream, const std::string& host) {
  SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
  stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
}

} // namespace parley::net
