#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include <pqxx/types.hxx>

namespace parley::storage {

struct migration {
  int version;
  std::string name;
  std::string sql;
};

// All migrations, in version order (generated from storage/migrations/).
const std::vector<migration>& migrations();

// Applies every migration newer than the recorded schema version, each in
// its own transaction together with its schema_version row. An advisory lock
// lets several nodes start at once. Returns how many were applied.
//
// A schema that is already current is only read, so a role that may just
// read and write Parley's tables starts fine. If migrations are pending and
// the role may not apply them, throws schema_behind with what to do.
int migrate(pqxx::connection_base& conn);

struct schema_behind : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Lets `role` read and write every Parley table, now and after later
// migrations run by the connected (owner) role; nothing else: no DDL.
void grant_app_role(pqxx::connection_base& conn, const std::string& role);

} // namespace parley::storage
