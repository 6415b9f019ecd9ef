#include <catch2/catch.hpp>

#include <string>

#include "net/ws_outbox.hpp"
#include "wire/ws_framing.hpp"

using parley::net::ws_outbox;
using parley::wire::shared_text;

namespace {

// Everything one write would put on the wire.
std::string written_bytes(const ws_outbox& box) {
  std::string out;
  for (auto& b : box.buffers())
    out.append(static_cast<const char*>(b.data()), b.size());
  return out;
}

std::string text_frame(const std::string& payload) {
  std::string out;
  parley::wire::append_text_frame(out, payload);
  return out;
}

} // namespace

TEST_CASE("owned and shared frames leave in order in one write", "[ws_outbox]") {
  ws_outbox box;
  shared_text fanout{std::string(300, 'm')};
  box.add_text("ack");
  box.add_shared(fanout);
  box.add_text("error");
  box.add_control([](std::string& out) { parley::wire::append_pong_frame(out, "p"); });
  CHECK(box.frames() == 3); // a pong is not a data frame
  CHECK(box.start_write() == 3);
  CHECK(box.empty());
  std::string pong;
  parley::wire::append_pong_frame(pong, "p");
  CHECK(written_bytes(box) == text_frame("ack") + text_frame(fanout.str()) + text_frame("error")
                                + pong);
}

TEST_CASE("a shared frame is written from its own bytes, not a copy", "[ws_outbox]") {
  ws_outbox box;
  shared_text fanout{std::string(1000, 'x')};
  box.add_shared(fanout);
  box.start_write();
  REQUIRE(box.buffers().size() == 2); // its header, then its payload
  CHECK(box.buffers()[1].data() == fanout.str().data());
  CHECK(fanout.holders() == 2);
  box.written();
  CHECK(fanout.holders() == 1); // released once written
  CHECK(box.buffers().empty());
}

TEST_CASE("the outbox counts what is queued and in flight", "[ws_outbox]") {
  ws_outbox box;
  box.add_shared(shared_text{std::string(500, 'a')});
  box.add_text(std::string(200, 'b'));
  auto queued = box.bytes();
  CHECK(queued >= 700);
  CHECK(queued <= 700 + 2 * 10);
  box.start_write();
  CHECK(box.bytes() == queued); // in flight still counts
  box.add_text("c");
  CHECK(box.bytes() > queued);
  box.written();
  box.clear();
  CHECK(box.bytes() == 0);
  CHECK(box.frames() == 0);
  CHECK(box.empty());
}
