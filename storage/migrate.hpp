#pragma once
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
int migrate(pqxx::connection_base& conn);

} // namespace parley::storage
