#pragma once
// A prepared statement: every query Parley sends is one, listed by concern
// (storage/db.cpp for accounts, messages, groups and presence;
// storage/keys_statements.cpp for the key directory and envelopes).
#include <cstddef>

namespace parley::storage {

struct statement {
  const char* name;
  const char* sql;
};

extern const statement key_statements[];
extern const std::size_t key_statement_count;

} // namespace parley::storage
