#include "net/tls_files.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509err.h>

#include <memory>

#include "wire/openssl_error.hpp"

namespace parley::net {

namespace {

using wire::openssl_reason;

// The leaf certificate of `ctx` verified against the CA file `ca`.
std::string verify_against(SSL_CTX* ctx, const std::string& ca) {
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store{X509_STORE_new(),
                                                                 X509_STORE_free};
  if (!store || X509_STORE_load_file(store.get(), ca.c_str()) != 1)
    return "cannot read CA file " + ca + ": " + openssl_reason();
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> check{
    X509_STORE_CTX_new(), X509_STORE_CTX_free};
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(ctx, &chain);
  if (!check
      || X509_STORE_CTX_init(check.get(), store.get(), SSL_CTX_get0_certificate(ctx), chain)
           != 1)
    return "cannot check the certificate: " + openssl_reason();
  if (X509_verify_cert(check.get()) != 1)
    return std::string{"the certificate is not signed by the CA in "} + ca + ": "
           + X509_verify_cert_error_string(X509_STORE_CTX_get_error(check.get()));
  return {};
}

} // namespace

std::string use_pair(SSL_CTX* ctx, const std::string& cert, const std::string& key) {
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1)
    return "cannot read certificate " + cert + ": " + openssl_reason();
  if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return "private key " + key + " does not match certificate " + cert;
    }
    return "cannot read private key " + key + ": " + openssl_reason();
  }
  if (SSL_CTX_check_private_key(ctx) != 1)
    return "private key " + key + " does not match certificate " + cert;
  return {};
}

std::string tls_files_problem(const std::string& cert, const std::string& key,
                              const std::string& ca) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{SSL_CTX_new(TLS_method()),
                                                        SSL_CTX_free};
  if (!ctx)
    return "cannot create a TLS context: " + openssl_reason();
  if (auto problem = use_pair(ctx.get(), cert, key); !problem.empty())
    return problem;
  return ca.empty() ? std::string{} : verify_against(ctx.get(), ca);
}

} // namespace parley::net
