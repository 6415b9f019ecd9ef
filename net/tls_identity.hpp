#pragma once
// The listener's certificate and key (--tls-cert, --tls-key). SIGHUP reads
// them again; a connection keeps the context it was accepted with, so a
// reload drops nothing, and a pair that fails to load leaves the old one
// serving.
#include <memory>
#include <mutex>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace parley::net {

class tls_identity {
public:
  tls_identity(std::string cert_path, std::string key_path);

  // Loads the files (PEM, certificate chain allowed). "" on success, else
  // why they cannot serve; the context in use is then unchanged.
  std::string reload();

  // The context new connections take; null until a reload succeeded.
  std::shared_ptr<boost::asio::ssl::context> current() const;

  const std::string& cert_path() const { return cert_path_; }

private:
  std::string cert_path_;
  std::string key_path_;
  mutable std::mutex mtx_; // reload (signal thread) against accepts (I/O threads)
  std::shared_ptr<boost::asio::ssl::context> current_;
};

} // namespace parley::net
