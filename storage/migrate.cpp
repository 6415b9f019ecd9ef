#include "storage/migrate.hpp"

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <algorithm>

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

// The versions recorded, without touching the catalog's write side (no
// CREATE ... IF NOT EXISTS, which needs CREATE on the schema even when the
// table exists).
std::vector<int> applied_versions(pqxx::connection_base& conn) {
  pqxx::read_transaction tx{conn};
  if (tx.exec("SELECT to_regclass('schema_version') IS NOT NULL")[0][0].as<bool>() == false)
    return {};
  std::vector<int> out;
  for (const auto& row : tx.exec("SELECT version FROM schema_version"))
    out.push_back(row[0].as<int>());
  return out;
}

bool all_applied(const std::vector<int>& versions) {
  for (auto& m : migrations())
    if (std::find(versions.begin(), versions.end(), m.version) == versions.end())
      return false;
  return true;
}

int latest_version() {
  return migrations().empty() ? 0 : migrations().back().version;
}

int apply_pending(pqxx::connection_base& conn);

} // namespace

int migrate(pqxx::connection_base& conn) {
  auto versions = applied_versions(conn);
  if (all_applied(versions))
    return 0;
  try {
    return apply_pending(conn);
  } catch (const pqxx::insufficient_privilege& e) {
    auto at = versions.empty() ? 0 : *std::max_element(versions.begin(), versions.end());
    throw schema_behind("the database schema is at version " + std::to_string(at)
                        + " and this parleyd needs " + std::to_string(latest_version())
                        + ", but its role may not change the schema (" + e.what()
                        + "): run `parleyd --migrate-only --db OWNER_URL --grant-to ROLE` "
                          "as the database owner first");
  }
}

void grant_app_role(pqxx::connection_base& conn, const std::string& role) {
  pqxx::work tx{conn};
  auto who = tx.quote_name(role);
  tx.exec("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + who);
  tx.exec("ALTER DEFAULT PRIVILEGES IN SCHEMA public"
          " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO " + who);
  tx.commit();
}

namespace {

int apply_pending(pqxx::connection_base& conn) {
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

} // namespace

} // namespace parley::storage
