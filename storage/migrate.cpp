#include "storage/migrate.hpp"

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

namespace parley::storage {

namespace {

// Any constant: the key of the advisory lock that serialises migrations.
constexpr long long migration_lock_key = 0x7061726c6579; // "parley"

// Under the migration lock too: two nodes running CREATE TABLE IF NOT
// EXISTS at the same moment collide in PostgreSQL's catalog.
void ensure_version_table(pqxx::connection_base& conn) {
  pqxx::work tx{conn};
  tx.exec_prepared("parley_migration_lock", migration_lock_key);
  tx.exec("CREATE TABLE IF NOT EXISTS schema_version ("
          " version integer PRIMARY KEY,"
          " name text NOT NULL,"
          " applied_at timestamptz NOT NULL DEFAULT now())");
  tx.commit();
}

} // namespace

int migrate(pqxx::connection_base& conn) {
  conn.prepare("parley_migration_lock", "SELECT pg_advisory_xact_lock($1)");
  conn.prepare("parley_migration_applied",
               "SELECT 1 FROM schema_version WHERE version = $1");
  conn.prepare("parley_migration_record",
               "INSERT INTO schema_version (version, name) VALUES ($1, $2)");
  ensure_version_table(conn);
  int applied = 0;
  for (auto& m : migrations()) {
    pqxx::work tx{conn};
    tx.exec_prepared("parley_migration_lock", migration_lock_key);
    if (!tx.exec_prepared("parley_migration_applied", m.version).empty())
      continue;
    // Schema text is static and ours: it cannot be parameterised.
    tx.exec(m.sql);
    tx.exec_prepared("parley_migration_record", m.version, m.name);
    tx.commit();
    spdlog::info("applied migration {} ({})", m.version, m.name);
    ++applied;
  }
  return applied;
}

} // namespace parley::storage
