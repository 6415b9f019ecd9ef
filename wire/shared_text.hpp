#pragma once
// An immutable string that everyone who holds it shares: a message body on
// its way from the websocket reader to the store, a frame on its way to
// every recipient's socket. Copying one copies a pointer, never the bytes.
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace parley::wire {

class shared_text {
public:
  shared_text() = default;

  explicit shared_text(std::string text)
    : text_(std::make_shared<const std::string>(std::move(text))) {
  }

  const std::string& str() const {
    static const std::string none;
    return text_ ? *text_ : none;
  }

  std::size_t size() const {
    return str().size();
  }

  bool empty() const {
    return str().empty();
  }

  // How many hold these bytes (tests check that a frame is shared).
  long holders() const {
    return text_.use_count();
  }

  friend bool operator==(const shared_text& a, const shared_text& b) {
    return a.str() == b.str();
  }

  friend bool operator!=(const shared_text& a, const shared_text& b) {
    return !(a == b);
  }

private:
  std::shared_ptr<const std::string> text_;
};

} // namespace parley::wire
