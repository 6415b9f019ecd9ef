#pragma once
// A thin RAII layer over SQLite for the client's local state: one
// connection, prepared statements with bound parameters, and exclusive
// transactions (BEGIN IMMEDIATE) so that several `parley` processes on one
// state never interleave a read-modify-write. Failures throw state_error.
#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace parley::e2e_client {

struct state_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class sqlite_db;

// One statement, stepped row by row.
class statement {
public:
  statement(sqlite_db& db, const std::string& sql);
  ~statement();
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  statement& bind(int index, std::int64_t value);
  statement& bind(int index, const std::string& value);
  statement& bind_null(int index);

  // True while there is a row.
  bool step();
  std::int64_t integer(int column) const;
  std::string text(int column) const;
  bool is_null(int column) const;

private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class sqlite_db {
public:
  // Opens (creating) the database at `path`, created mode 0600.
  explicit sqlite_db(const std::string& path);
  ~sqlite_db();
  sqlite_db(const sqlite_db&) = delete;
  sqlite_db& operator=(const sqlite_db&) = delete;

  void exec(const std::string& sql);

  // Runs `fn` in BEGIN IMMEDIATE ... COMMIT; a throw rolls it back.
  void transaction(const std::function<void()>& fn);

  sqlite3* handle() { return db_; }

private:
  sqlite3* db_ = nullptr;
};

} // namespace parley::e2e_client
