#include "net/ws_outbox.hpp"

#include <utility>

#include "wire/ws_framing.hpp"

namespace parley::net {

std::string& ws_outbox::owned() {
  if (pending_.empty() || !pending_.back().tail.empty())
    pending_.emplace_back();
  return pending_.back().bytes;
}

void ws_outbox::add_text(std::string_view payload) {
  add_control([&](std::string& out) { wire::append_text_frame(out, payload); });
  ++frames_;
}

void ws_outbox::add_shared(wire::shared_text frame) {
  add_control([&](std::string& out) { wire::append_text_header(out, frame.size()); });
  pending_bytes_ += frame.size();
  pending_.back().tail = std::move(frame);
  ++frames_;
}

void ws_outbox::clear() {
  pending_.clear();
  pending_bytes_ = 0;
  frames_ = 0;
}

std::size_t ws_outbox::start_write() {
  in_flight_.swap(pending_);
  buffers_.clear();
  in_flight_bytes_ = 0;
  for (auto& s : in_flight_) {
    if (!s.bytes.empty())
      buffers_.emplace_back(s.bytes.data(), s.bytes.size());
    if (!s.tail.empty())
      buffers_.emplace_back(s.tail.str().data(), s.tail.size());
    in_flight_bytes_ += s.bytes.size() + s.tail.size();
  }
  pending_bytes_ = 0;
  return std::exchange(frames_, 0);
}

void ws_outbox::written() {
  std::vector<segment>().swap(in_flight_);
  std::vector<boost::asio::const_buffer>().swap(buffers_);
  in_flight_bytes_ = 0;
}

} // namespace parley::net
