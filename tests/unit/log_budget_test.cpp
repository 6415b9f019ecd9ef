#include <catch2/catch.hpp>

#include "wire/log_budget.hpp"

TEST_CASE("a flood of bad-input lines is cut to the budget and counted") {
  parley::wire::log_budget budget{5};
  std::uint64_t suppressed = 0;
  int allowed = 0;
  for (int i = 0; i < 1000; ++i)
    allowed += budget.allow(suppressed);
  // A second may have turned during the loop: at most two seconds' worth.
  CHECK(allowed >= 5);
  CHECK(allowed <= 10);
}
