#pragma once
// Recomputes every value of a test-vector file in the format of
// ../shared/e2e-vectors.json (E2E.md §14) with this layer's own code, from
// the file's private keys and inputs: `parley e2e-vectors` prints the
// results, the unit tests check them.
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace parley::e2e {

struct vector_check {
  std::string name; // e.g. "ratchet.A0.ciphertext"
  bool pass = false;
};

std::vector<vector_check> check_vectors(const nlohmann::json& file);

} // namespace parley::e2e
