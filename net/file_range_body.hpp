#pragma once
// A Beast body that sends `length` bytes of a file from `offset`, 64 KiB at
// a time, so a download (or a Range of it) never sits in memory whole.
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/file.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

#include <array>
#include <cstdint>
#include <utility>

namespace parley::net {

struct file_range_body {
  struct value_type {
    boost::beast::file file;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };

  static std::uint64_t size(const value_type& body) {
    return body.length;
  }

  class writer {
  public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(boost::beast::http::header<isRequest, Fields>&, value_type& body)
      : body_(body) {
    }

    void init(boost::beast::error_code& ec) {
      body_.file.seek(body_.offset, ec);
      remaining_ = body_.length;
    }

    boost::optional<std::pair<const_buffers_type, bool>>
    get(boost::beast::error_code& ec) {
      if (remaining_ == 0) {
        ec = {};
        return boost::none;
      }
      auto want = static_cast<std::size_t>(
        std::min<std::uint64_t>(remaining_, chunk_.size()));
      auto got = body_.file.read(chunk_.data(), want, ec);
      if (ec)
        return boost::none;
      if (got == 0) { // the file shrank under us
        ec = boost::beast::http::error::short_read;
        return boost::none;
      }
      remaining_ -= got;
      return std::make_pair(const_buffers_type{chunk_.data(), got}, remaining_ > 0);
    }

  private:
    value_type& body_;
    std::uint64_t remaining_ = 0;
    std::array<char, 64 * 1024> chunk_;
  };
};

} // namespace parley::net
