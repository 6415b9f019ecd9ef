// The common `send` frame read without building a JSON document: one pass
// over a flat object whose values are strings, plain integers, true, false
// or null. Anything else, valid or not, is refused here and read by the full
// parser (wire/frame.cpp), so errors and unusual frames have one home; where
// this reader accepts a frame it yields what the full parser would, which
// tests/unit/frame_test.cpp and the frame fuzzer check against it.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "wire/frame.hpp"
#include "wire/hex_digit.hpp"
#include "wire/json_out.hpp"
#include "wire/utf8.hpp"

namespace parley::wire {

namespace {

// The frame's fields, more than which go to the full parser.
constexpr std::size_t max_fields = 16;
// Integers are taken as written up to this many digits (they fit int64).
constexpr std::size_t max_integer_digits = 18;

struct value {
  enum kind_t { string, integer, null, boolean } kind = null;
  std::string_view raw; // a string's text between the quotes, undecoded; an integer's digits
  bool escaped = false; // a string with backslash escapes
  std::string decoded;  // an escaped string's text, decoded (once) while reading it
};

struct scanner {
  std::string_view text;
  std::size_t at = 0;

  void skip_space() {
    while (at < text.size()
           && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r'))
      ++at;
  }
  bool eat(char c) {
    skip_space();
    if (at < text.size() && text[at] == c) {
      ++at;
      return true;
    }
    return false;
  }
  bool at_end() {
    skip_space();
    return at == text.size();
  }
  bool literal(std::string_view word) {
    if (text.substr(at, word.size()) != word)
      return false;
    at += word.size();
    return true;
  }
};

// The four hex digits at `raw[at]` as a code unit.
bool hex4(std::string_view raw, std::size_t at, std::uint32_t& out) {
  if (at + 4 > raw.size())
    return false;
  out = 0;
  for (std::size_t i = at; i < at + 4; ++i) {
    auto digit = hex_value(raw[i]);
    if (digit < 0)
      return false;
    out = out * 16 + static_cast<std::uint32_t>(digit);
  }
  return true;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes the `\u` escape at `raw[at]` (after the backslash and the u),
// pairing surrogates as JSON requires; `at` moves past it. False for a
// lone surrogate, which the full parser refuses, and for NUL, which no
// field takes (the full parser then says why).
bool decode_unicode(std::string_view raw, std::size_t& at, std::string& out) {
  std::uint32_t cp = 0;
  if (!hex4(raw, at, cp))
    return false;
  at += 4;
  if (cp >= 0xDC00 && cp <= 0xDFFF)
    return false;
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    std::uint32_t low = 0;
    if (raw.substr(at, 2) != "\\u" || !hex4(raw, at + 2, low) || low < 0xDC00 || low > 0xDFFF)
      return false;
    at += 6;
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
  }
  if (cp == 0)
    return false;
  append_utf8(out, cp);
  return true;
}

// A string's text with its escapes decoded, as the full parser would; the
// scanner has already checked the bytes between escapes.
bool decode(std::string_view raw, std::string& out) {
  out.clear();
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    auto next_escape = raw.find('\\', i);
    out.append(raw.substr(i, next_escape - i));
    if (next_escape == std::string_view::npos)
      break;
    i = next_escape + 1;
    if (i >= raw.size())
      return false;
    auto e = raw[i++];
    switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u':
        if (!decode_unicode(raw, i, out))
          return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

// A string token at the cursor: no raw control characters, well-formed
// UTF-8, and escapes the full parser would take.
bool read_string(scanner& s, value& v) {
  auto& text = s.text;
  if (s.at >= text.size() || text[s.at] != '"')
    return false;
  auto start = ++s.at;
  bool escaped = false;
  while (s.at < text.size()) {
    auto c = static_cast<unsigned char>(text[s.at]);
    if (c == '"') {
      v = {value::string, text.substr(start, s.at - start), escaped, {}};
      ++s.at;
      return !escaped || decode(v.raw, v.decoded);
    }
    if (c == '\\') {
      escaped = true;
      s.at += 2; // the escaped character is checked by decode
    } else if (c < 0x20) {
      return false;
    } else if (c >= 0x80) {
      auto length = utf8_sequence(text, s.at);
      if (length <= 0)
        return false;
      s.at += static_cast<std::size_t>(length);
    } else {
      ++s.at;
    }
  }
  return false;
}

// An integer as written, which is then also how the full parser writes it
// back: no leading zeros, no "-0", no fraction or exponent, at most 18
// digits.
bool read_integer(scanner& s, value& v) {
  auto& text = s.text;
  auto start = s.at;
  bool negative = text[s.at] == '-';
  if (negative)
    ++s.at;
  auto digits_from = s.at;
  while (s.at < text.size() && text[s.at] >= '0' && text[s.at] <= '9')
    ++s.at;
  auto digits = s.at - digits_from;
  if (digits == 0 || digits > max_integer_digits)
    return false;
  if (text[digits_from] == '0' && (digits > 1 || negative))
    return false;
  if (s.at < text.size() && (text[s.at] == '.' || text[s.at] == 'e' || text[s.at] == 'E'))
    return false;
  v = {value::integer, text.substr(start, s.at - start), false, {}};
  return true;
}

bool read_value(scanner& s, value& v) {
  s.skip_space();
  if (s.at >= s.text.size())
    return false;
  auto c = s.text[s.at];
  if (c == '"')
    return read_string(s, v);
  if (c == '-' || (c >= '0' && c <= '9'))
    return read_integer(s, v);
  if (s.literal("null")) {
    v = {value::null, {}, false, {}};
    return true;
  }
  if (s.literal("true") || s.literal("false")) {
    v = {value::boolean, {}, false, {}};
    return true;
  }
  return false; // objects, arrays, anything else
}

using field = std::pair<std::string_view, value>;

struct fields {
  std::array<field, max_fields> items;
  std::size_t count = 0;

  const value* find(std::string_view key) const {
    for (std::size_t i = 0; i < count; ++i)
      if (items[i].first == key)
        return &items[i].second;
    return nullptr;
  }
};

// A flat object with distinct, unescaped keys, and nothing after it.
bool read_object(std::string_view text, fields& out) {
  scanner s{text};
  if (!s.eat('{'))
    return false;
  if (s.eat('}'))
    return s.at_end();
  do {
    s.skip_space();
    value key;
    if (!read_string(s, key) || key.escaped || !s.eat(':'))
      return false;
    value v;
    if (!read_value(s, v) || out.count == max_fields || out.find(key.raw))
      return false;
    out.items[out.count++] = {key.raw, std::move(v)};
  } while (s.eat(','));
  return s.eat('}') && s.at_end();
}

bool string_of(const value& v, std::string& out) {
  if (v.kind != value::string)
    return false;
  if (v.escaped)
    out = v.decoded;
  else
    out.assign(v.raw);
  return true;
}

bool id_of(const value* v, id64& out) {
  std::string text;
  if (!v || !string_of(*v, text))
    return false;
  auto id = parse_id(text);
  if (!id)
    return false;
  out = *id;
  return true;
}

// The `id` as compact JSON text, as the full parser writes it back.
bool client_id_of(const value* v, std::string& out) {
  if (!v)
    return false;
  if (v->kind == value::integer) {
    out.assign(v->raw);
    return true;
  }
  std::string text;
  if (!string_of(*v, text) || text.empty() || text.size() > max_client_id_chars)
    return false;
  out.clear();
  append_json_string(out, text);
  return true;
}

} // namespace

std::optional<send_frame> read_plain_send(std::string_view text) {
  fields f;
  if (text.size() > max_frame_bytes || !read_object(text, f))
    return std::nullopt;
  auto* type = f.find("type");
  if (!type || type->kind != value::string || type->escaped || type->raw != "send")
    return std::nullopt;
  if (auto* media = f.find("media"); media && media->kind != value::null)
    return std::nullopt;
  if (f.find("envelopes"))
    return std::nullopt; // an encrypted send: the full parser reads it

  send_frame out;
  if (!client_id_of(f.find("id"), out.client_id))
    return std::nullopt;
  auto* to = f.find("to");
  auto* conversation = f.find("conversation");
  if ((to != nullptr) == (conversation != nullptr))
    return std::nullopt;
  if (to ? !id_of(to, out.to) : !id_of(conversation, out.conversation))
    return std::nullopt;
  auto* body = f.find("body");
  if (!body || !string_of(*body, out.body) || out.body.size() > max_body_bytes
      || out.body.find('\0') != std::string::npos)
    return std::nullopt;
  return out;
}

} // namespace parley::wire
