#pragma once
// Text from the server (names, bodies, error messages) made safe to print
// on a terminal: a message must not be able to move the cursor, rewrite
// earlier lines or set the window title. C0 controls, DEL and the C1
// controls (U+0080..U+009F, which some terminals obey in UTF-8) are written
// as escapes; everything else, other UTF-8 included, is left as it is.
#include <string>
#include <string_view>

namespace parley::wire {

std::string escape_controls(std::string_view text);

} // namespace parley::wire
