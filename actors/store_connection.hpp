#pragma once
// A store actor's PostgreSQL connection and its transaction boundary: runs
// work in a transaction and maps every database failure to an error value
// (unavailable, seq_conflict, internal), so that no exception ever leaves a
// store. Only the detached store actors use it (actors/store.cpp).
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include <caf/expected.hpp>

#include "actors/errors.hpp"
#include "storage/db.hpp"

namespace parley {

class store_connection {
public:
  store_connection(const std::string& db_url, std::string label)
    : db_(std::make_unique<storage::database>(db_url)), label_(std::move(label)) {
  }

  const std::string& label() const {
    return label_;
  }

  // Runs `fn(tx)` in a transaction and maps database failures to errors.
  // (A handler may return it as is: caf::result converts an expected.)
  // A connection that broke while idle (PostgreSQL restarted) is replaced
  // and the work tried once more: nothing was committed on it.
  template <class Tx = pqxx::work, class F>
  auto run(F&& fn) -> caf::expected<decltype(fn(std::declval<Tx&>()))> {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (steady_clock::now() < retry_connect_at_)
        return make_error(errc::unavailable);
      bool reused = db_->holds_connection();
      try {
        Tx tx{db_->conn()};
        auto result = fn(tx);
        tx.commit();
        return result;
      } catch (const pqxx::in_doubt_error& e) {
        lost_connection(e.what()); // may have committed: the client retries
        return make_error(errc::unavailable);
      } catch (const pqxx::broken_connection& e) {
        if (reused && attempt == 0) {
          db_->reset();
          continue;
        }
        lost_connection(e.what());
        return make_error(errc::unavailable);
      } catch (const pqxx::unique_violation&) {
        return make_error(errc::seq_conflict); // lost a race: the caller retries
      } catch (const pqxx::sql_error& e) {
        spdlog::error("{}: query failed: {}", label_, e.what());
        return make_error(errc::internal);
      } catch (const std::exception& e) {
        // Never let a surprise take the store (and its batch) down.
        spdlog::error("{}: unexpected failure: {}", label_, e.what());
        return make_error(errc::internal);
      }
    }
    return make_error(errc::unavailable);
  }

  // Runs a read that may find nothing (`fn` returns an optional): its value,
  // `missing` when it found nothing, or the database failure. Reads that
  // need no common snapshot pass `pqxx::nontransaction`: each statement
  // then runs alone, without the BEGIN and COMMIT round trips.
  template <class Tx = pqxx::read_transaction, class F>
  auto find(errc missing, F&& fn)
    -> caf::expected<typename decltype(fn(std::declval<Tx&>()))::value_type> {
    auto found = run<Tx>(std::forward<F>(fn));
    if (!found)
      return found.error();
    if (!*found)
      return make_error(missing);
    return std::move(**found);
  }

  void lost_connection(const char* what) {
    spdlog::warn("{}: database unavailable: {}", label_, what);
    db_->reset();
    retry_connect_at_ = steady_clock::now() + milliseconds(500);
  }

private:
  using steady_clock = std::chrono::steady_clock;
  using milliseconds = std::chrono::milliseconds;

  std::unique_ptr<storage::database> db_;
  // After a failed connect, fail fast until this time instead of making
  // every request wait for a connect timeout.
  steady_clock::time_point retry_connect_at_;
  std::string label_;
};

} // namespace parley
