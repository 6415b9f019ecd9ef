#pragma once
// Well-formed UTF-8 (Unicode table 3-7: no overlong forms, no surrogates,
// nothing above U+10FFFF), decided in one place for the websocket reader
// (which refuses anything else) and the JSON writer (which replaces it).
#include <cstddef>
#include <string_view>

namespace parley::wire {

// Length of the well-formed sequence that starts at `text[at]` (1 for
// ASCII), or the negated number of bytes that began one before it broke
// (at least 1): the bytes one U+FFFD replaces.
int utf8_sequence(std::string_view text, std::size_t at);

bool valid_utf8(std::string_view text);

} // namespace parley::wire
