#include "wire/json_out.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "wire/utf8.hpp"

namespace parley::wire {

using json = nlohmann::json;

namespace {

// The frames every message produces (message, ack, receipt, typing,
// presence) are written straight into one string: building an nlohmann
// object first cost a map node and a string per field, most of the
// allocations on the send path. Keys go out in the order nlohmann's sorted
// objects used, so the text is byte for byte what the rarer frames below
// still get from nlohmann (tests/unit/json_out_test.cpp compares the two).
class object_writer {
public:
  explicit object_writer(std::size_t expected_size) {
    out_.reserve(expected_size);
    out_ += '{';
  }
  object_writer& text(std::string_view key, std::string_view value) {
    append_key(key);
    append_json_string(out_, value);
    return *this;
  }
  object_writer& id(std::string_view key, id64 value) {
    append_key(key);
    out_ += '"';
    append_number(value);
    out_ += '"';
    return *this;
  }
  object_writer& number(std::string_view key, std::int64_t value) {
    append_key(key);
    append_number(value);
    return *this;
  }
  object_writer& boolean(std::string_view key, bool value) {
    append_key(key);
    out_ += value ? "true" : "false";
    return *this;
  }
  object_writer& null(std::string_view key) {
    append_key(key);
    out_ += "null";
    return *this;
  }
  // `value` must already be compact JSON text.
  object_writer& raw(std::string_view key, std::string_view value) {
    append_key(key);
    out_ += value;
    return *this;
  }
  std::string finish() { // the writer is done with after this
    out_ += '}';
    return std::move(out_);
  }

private:
  void append_key(std::string_view key) { // our own keys: nothing to escape
    if (out_.size() > 1)
      out_ += ',';
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }
  template <class Int>
  void append_number(Int value) {
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out_.append(digits, end);
  }

  std::string out_;
};

// Fields in nlohmann's (sorted) key order; `type` is the frame's, if any.
std::string message_text(const stored_message& m, std::string_view type) {
  object_writer w{m.body.size() + m.envelope.size() + 192};
  if (m.has_body)
    w.text("body", m.body.str());
  if (m.system)
    w.text("body_type", "system");
  w.id("conversation", m.conversation);
  if (!m.envelope.empty())
    w.text("envelope", m.envelope.str());
  w.id("from", m.from)
    .id("from_device", m.from_device)
    .id("msg_id", m.msg_id)
    .number("seq", m.seq)
    .number("ts", m.ts);
  if (!type.empty())
    w.text("type", type);
  return w.finish();
}

} // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      auto length = utf8_sequence(text, i);
      if (length > 0) {
        out.append(text.data() + i, length);
        i += length;
      } else {
        out += "\xEF\xBF\xBD"; // U+FFFD for the broken sequence
        i += -length;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

json ids_json(const std::vector<id64>& ids) {
  auto out = json::array();
  for (auto id : ids)
    out.push_back(id_to_string(id));
  return out;
}

namespace {

// Never throws: text that is not valid UTF-8 is replaced, not rejected.
std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Parses JSON text we produced ourselves (the id an error refers to).
json raw(std::string_view text) {
  return json::parse(text.begin(), text.end(), nullptr, false);
}

} // namespace

std::string ready_frame(id64 user, id64 device) {
  return dump(json{{"type", "ready"},
              {"user_id", id_to_string(user)},
              {"device_id", id_to_string(device)}});
}

std::string ack_frame(std::string_view client_id, id64 msg_id, id64 conversation,
                      std::int64_t seq, std::int64_t ts) {
  return object_writer{128 + client_id.size()}
    .id("conversation", conversation)
    .raw("id", client_id)
    .id("msg_id", msg_id)
    .number("seq", seq)
    .number("ts", ts)
    .text("type", "ack")
    .finish();
}

std::string message_frame(const stored_message& m) {
  return message_text(m, "message");
}

std::string message_object(const stored_message& m) {
  return message_text(m, {});
}

std::string receipt_notice(id64 conversation, id64 user, std::string_view status,
                          std::int64_t up_to, std::int64_t ts) {
  return object_writer{128}
    .id("conversation", conversation)
    .text("status", status)
    .number("ts", ts)
    .text("type", "receipt")
    .number("up_to", up_to)
    .id("user", user)
    .finish();
}

std::string typing_notice(id64 conversation, id64 user, bool active) {
  return object_writer{96}
    .boolean("active", active)
    .id("conversation", conversation)
    .text("type", "typing")
    .id("user", user)
    .finish();
}

std::string presence_frame(id64 user, bool online, std::int64_t last_seen) {
  object_writer w{80};
  if (last_seen > 0)
    w.number("last_seen", last_seen);
  else
    w.null("last_seen");
  return w.boolean("online", online).text("type", "presence").id("user", user).finish();
}

std::string system_body(std::string_view event, id64 by, const std::vector<id64>& users,
                        std::string_view title, const std::vector<id64>& new_admins) {
  json j{{"event", event}, {"by", id_to_string(by)}, {"users", ids_json(users)}};
  if (!title.empty())
    j["title"] = title;
  if (!new_admins.empty())
    j["admins"] = ids_json(new_admins);
  return dump(j);
}


std::string sync_done_frame(id64 conversation, bool more) {
  json j{{"type", "sync.done"}, {"more", more}};
  if (conversation != 0)
    j["conversation"] = id_to_string(conversation);
  return dump(j);
}

std::string pong_frame() {
  return R"({"type":"pong"})";
}

std::string keys_low_frame(std::int64_t remaining) {
  return R"({"type":"keys_low","remaining":)" + std::to_string(remaining) + "}";
}

namespace {

// Fields an error carries besides code and message (stale_devices' lists).
void add_details(json& j, std::string_view details) {
  if (details.empty())
    return;
  auto extra = raw(details);
  if (extra.is_object())
    for (auto& [key, value] : extra.items())
      j[key] = value;
}

} // namespace

std::string error_frame(std::string_view code, std::string_view message,
                        std::string_view ref, std::string_view details) {
  json j{{"type", "error"}, {"code", code}, {"message", message}};
  if (!ref.empty())
    j["ref"] = raw(ref);
  add_details(j, details);
  return dump(j);
}

std::string error_body(std::string_view code, std::string_view message,
                       std::string_view details) {
  json j{{"code", code}, {"message", message}};
  add_details(j, details);
  return dump(j);
}

} // namespace parley::wire
