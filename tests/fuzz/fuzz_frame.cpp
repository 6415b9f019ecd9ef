// libFuzzer target: every byte string must parse to a frame or a frame
// error, never crash, and every error must render as valid JSON; where the
// one-pass reader of plain sends takes a frame, the full parser must give
// the same one.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "wire/frame.hpp"
#include "wire/json_out.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  if (auto plain = parley::wire::read_plain_send(text)) {
    auto full = parley::wire::parse_frame_with_dom(text);
    auto* send = std::get_if<parley::wire::send_frame>(&full);
    if (!send || send->client_id != plain->client_id || send->to != plain->to
        || send->conversation != plain->conversation || send->body != plain->body
        || send->media != plain->media)
      __builtin_trap();
  }
  auto result = parley::wire::parse_frame(text);
  if (auto* err = std::get_if<parley::wire::frame_error>(&result)) {
    auto frame = parley::wire::error_frame(err->code, err->message, err->ref);
    if (nlohmann::json::parse(frame, nullptr, false).is_discarded())
      __builtin_trap();
  } else if (auto* send = std::get_if<parley::wire::send_frame>(&result)) {
    if (send->body.size() > parley::wire::max_body_bytes)
      __builtin_trap();
    auto ack = parley::wire::ack_frame(send->client_id, 1, 1, 1, 1);
    if (nlohmann::json::parse(ack, nullptr, false).is_discarded())
      __builtin_trap();
  }
  return 0;
}
