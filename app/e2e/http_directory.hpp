#pragma once
// The directory of app/e2e/directory.hpp over the server's HTTP API, with
// the device's token. Refusals throw directory_error (the server's code);
// network failures throw the client's client_error.
#include <string>

#include "app/e2e/directory.hpp"
#include "net/client.hpp"

namespace parley::e2e_client {

class http_directory final : public directory {
public:
  http_directory(client::server_url server, std::string token)
    : server_(std::move(server)), token_(std::move(token)) {}

  std::vector<fetched_bundle> bundles(id64 user, const std::vector<id64>& only) override;
  std::vector<listed_device> devices(id64 user) override;
  key_status status() override;
  std::size_t publish(const std::string& body) override;
  std::vector<id64> members(const std::string& conversation) override;

private:
  nlohmann::json call(const std::string& method, const std::string& target,
                      const std::string& body = {});

  client::server_url server_;
  std::string token_;
};

} // namespace parley::e2e_client
