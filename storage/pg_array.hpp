#pragma once
// PostgreSQL array literals ('{"a","b"}', '{1,2}'), for passing a whole
// batch as one parameter of one prepared statement (libpqxx 6.4 has no
// array parameters). Pure string formatting: unit-tested without a server.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parley::storage {

// Every element quoted, `"` and `\` escaped: any text (including "NULL",
// commas, braces and quotes) comes back exactly as given.
class text_array {
public:
  void add(std::string_view element);
  void add_null();
  const std::string& literal();

private:
  std::string out_ = "{";
  bool closed_ = false;
};

class int_array {
public:
  void add(std::int64_t element);
  void add(bool element) { add(static_cast<std::int64_t>(element)); }
  const std::string& literal();

private:
  std::string out_ = "{";
  bool closed_ = false;
};

// The array text of a whole list of ids, for a bigint[] parameter: {1,2,3}.
std::string id_array(const std::vector<std::int64_t>& ids);

} // namespace parley::storage
