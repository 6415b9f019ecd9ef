#pragma once
// How deeply a JSON text nests, found by one pass over its bytes before
// any parser builds a tree of it: a body of a million '[' is refused in
// microseconds and never reaches a recursive walk.
#include <string_view>

namespace parley::wire {

// Nesting deeper than this (objects and arrays counted alike) is refused
// with `too_deep`; no Parley frame or REST body needs more than a few.
inline constexpr int max_json_depth = 32;

// True if `text` opens more than `limit` objects or arrays at once.
// Brackets inside strings (escapes included) do not count; the text need
// not be valid JSON (the parser judges that afterwards).
bool json_nesting_exceeds(std::string_view text, int limit = max_json_depth);

} // namespace parley::wire
