#include "storage/pg_array.hpp"

namespace parley::storage {

namespace {

void separate(std::string& out) {
  if (out.size() > 1)
    out += ',';
}

const std::string& close(std::string& out, bool& closed) {
  if (!closed) {
    out += '}';
    closed = true;
  }
  return out;
}

} // namespace

void text_array::add(std::string_view element) {
  separate(out_);
  out_ += '"';
  for (char c : element) {
    if (c == '"' || c == '\\')
      out_ += '\\';
    out_ += c;
  }
  out_ += '"';
}

// Unquoted NULL is SQL NULL; the quoted text "NULL" (add) stays text.
void text_array::add_null() {
  separate(out_);
  out_ += "NULL";
}

const std::string& text_array::literal() {
  return close(out_, closed_);
}

void int_array::add(std::int64_t element) {
  separate(out_);
  out_ += std::to_string(element);
}

const std::string& int_array::literal() {
  return close(out_, closed_);
}

std::string id_array(const std::vector<std::int64_t>& ids) {
  int_array out;
  for (auto id : ids)
    out.add(id);
  return out.literal();
}

} // namespace parley::storage
