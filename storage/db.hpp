#pragma once
// One PostgreSQL connection with every prepared statement Parley uses.
// Owned by exactly one store actor (a connection belongs to one thread).
#include <memory>
#include <string>

#include <pqxx/connection>

namespace parley::storage {

class database {
public:
  explicit database(std::string url);
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  // The live connection, opened (and its statements prepared) on demand.
  // Throws pqxx::broken_connection when PostgreSQL cannot be reached.
  pqxx::connection& conn();

  // Forgets a connection that failed; the next conn() reconnects.
  void reset();

  // Whether a connection is held (it may still turn out to be broken).
  bool holds_connection() const { return conn_ != nullptr; }

private:
  std::string url_;
  std::unique_ptr<pqxx::connection> conn_;
};

// Adds the timeouts Parley relies on to a libpq URL or key/value string, so
// that a dead or frozen server is noticed in seconds, not minutes.
std::string with_timeouts(const std::string& url);

} // namespace parley::storage
