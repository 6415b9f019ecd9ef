#pragma once
// E2E.md §1: key ids, `key_id` and `iteration` are JSON integers in
// 0..2^32-1 (never floats, never negative), wherever they are read.
#include <cstdint>

#include <nlohmann/json.hpp>

namespace parley::e2e {

inline bool is_u32(const nlohmann::json& v) {
  return v.is_number_unsigned() && v.get<std::uint64_t>() <= 0xffffffffu;
}

} // namespace parley::e2e
