// `parley e2e-vectors FILE`: every value of a vector file in the format of
// ../shared/e2e-vectors.json, recomputed by the E2E layer (wire/e2e).
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>

#include "app/cli/common.hpp"
#include "wire/e2e/vectors.hpp"

namespace parley::cli {

int cmd_e2e_vectors(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    fail(2, "cannot read " + path);
  auto file = nlohmann::json::parse(in, nullptr, false);
  if (!file.is_object())
    fail(2, path + " is not a JSON object");
  int passed = 0, failed = 0;
  for (auto& check : e2e::check_vectors(file)) {
    std::cout << (check.pass ? "PASS " : "FAIL ") << check.name << '\n';
    (check.pass ? passed : failed) += 1;
  }
  std::cout << passed << " passed, " << failed << " failed" << std::endl;
  return failed == 0 && passed > 0 ? 0 : 1;
}

} // namespace parley::cli
