#pragma once
// A new empty directory for a test's client state, under /tmp.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace parley::test {

inline std::filesystem::path fresh_state_dir() {
  std::string tmpl = "/tmp/parley-state-XXXXXX";
  auto* made = ::mkdtemp(tmpl.data());
  REQUIRE(made != nullptr);
  return std::filesystem::path{made} / "parley";
}

} // namespace parley::test
