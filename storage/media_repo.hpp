#pragma once
// Uploaded media and which messages reference it. Every function runs
// inside the caller's transaction; none commits.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wire/ids.hpp"

#include <pqxx/types.hxx>

namespace parley::storage {

struct media_row {
  std::string media_id;
  id64 owner;
  std::int64_t size;
  std::string sha256;
  std::string content_type;
};

void insert_media(pqxx::transaction_base& tx, const media_row& m);
void delete_media(pqxx::transaction_base& tx, const std::string& media_id);
// Holds the user's row until the transaction ends (serialises quota checks).
void lock_user(pqxx::transaction_base& tx, id64 user);

// Bytes of all of `owner`'s uploads (each counted, even when deduplicated).
std::int64_t media_usage(pqxx::transaction_base& tx, id64 owner);
std::optional<media_row> find_media(pqxx::transaction_base& tx,
                                    const std::string& media_id);

// A message names the media it carries, so that the collector keeps it.
void reference_media(pqxx::transaction_base& tx, const std::vector<std::string>& media_ids,
                     id64 conversation, std::int64_t seq);

struct collected_media {
  std::string media_id;
  std::string sha256;
  std::int64_t size;
};

// Deletes up to `limit` uploads created before `before_ms` that no message
// references, and returns them (their blobs may now be unused).
std::vector<collected_media> collect_media(pqxx::transaction_base& tx,
                                           std::int64_t before_ms, int limit);
// Whether any upload still has this content.
bool blob_in_use(pqxx::transaction_base& tx, const std::string& sha256);

} // namespace parley::storage
