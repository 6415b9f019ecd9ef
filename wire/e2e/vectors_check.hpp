#pragma once
// What the parts of the vector checker (vectors*.cpp) share: the list of
// results and the helpers that read a vector file's hex values and keys.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "wire/e2e/vectors.hpp"
#include "wire/e2e/x3dh.hpp"

namespace parley::e2e::vectors {

using json = nlohmann::json;

// Collects checks; a value the file lacks or cannot decode fails its check.
class checker {
public:
  std::vector<vector_check> results;

  void check(const std::string& name, bool pass);
  // `expected` is a hex string in the file.
  void same(const std::string& name, const std::optional<bytes>& got, const json& expected);
  void same_text(const std::string& name, const std::string& got, const json& expected);
  // JSON texts compared parsed (field order is not significant).
  void same_json(const std::string& name, const std::string& got, const json& expected);
};

bytes hx(const json& v);
key_pair x_pair(const json& v);  // {"private": HEX} -> X25519 pair
key_pair ed_pair(const json& v); // {"private": HEX} -> Ed25519 pair
identity identity_of(const json& party);

void check_ratchet(checker& c, const json& v, const json& x3dh, const json& alice,
                   const json& bob);
void check_group(checker& c, const json& v);
void check_media(checker& c, const json& v);
void check_safety(checker& c, const json& v);

} // namespace parley::e2e::vectors
