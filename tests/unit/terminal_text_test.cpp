#include <catch2/catch.hpp>

#include "wire/terminal_text.hpp"

using parley::wire::escape_controls;

TEST_CASE("terminal controls from the server are printed as escapes") {
  CHECK(escape_controls("hello") == "hello");
  CHECK(escape_controls("\x1b[2J\x1b]0;pwned\x07") == "\\x1b[2J\\x1b]0;pwned\\x07");
  CHECK(escape_controls("a\nb\tc\rd") == "a\\nb\\tc\\x0dd");
  CHECK(escape_controls("\x7f") == "\\x7f");
  CHECK(escape_controls("\xc2\x9b" "31m") == "\\u009b31m");   // C1 CSI in UTF-8
  CHECK(escape_controls("caf\xc3\xa9 \xc2\xa9") == "caf\xc3\xa9 \xc2\xa9"); // é ©
  CHECK(escape_controls("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80");           // emoji
}
