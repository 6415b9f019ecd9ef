#pragma once
// Logs a line about a client's bad input within the node's budget
// (wire/log_budget.hpp): past 50 lines a second the rest are counted, and
// the count is logged with the next line let through.
#include <spdlog/spdlog.h>

#include <utility>

#include "wire/log_budget.hpp"

namespace parley {

template <class... Args>
void log_bad_input(spdlog::format_string_t<Args...> format, Args&&... args) {
  std::uint64_t suppressed = 0;
  if (!wire::bad_input_log().allow(suppressed))
    return;
  if (suppressed > 0)
    spdlog::info("({} more lines about bad input were not logged)", suppressed);
  spdlog::info(format, std::forward<Args>(args)...);
}

} // namespace parley
