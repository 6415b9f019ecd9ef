#include "net/client.hpp"
#include "net/tls_client.hpp"
#include "wire/sha256.hpp"
#include "wire/url.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <fstream>
#include <limits>
#include <vector>

namespace parley::client {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

std::optional<server_url> parse_server_url(const std::string& url) {
  auto parsed = wire::parse_http_url(url);
  if (!parsed || parsed->target.find_first_not_of('/') != std::string::npos)
    return std::nullopt; // a server is named by host and port only
  return server_url{parsed->tls, parsed->host, parsed->port, {}};
}

namespace {

// Connects with the same 30 s limit every call uses.
void connect(beast::tcp_stream& stream, asio::io_context& ioc, const server_url& server) {
  tcp::resolver resolver{ioc};
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(resolver.resolve(server.host, server.port));
}

template <class Body>
void set_common_headers(http::request<Body>& req, const server_url& server,
                        const std::string& token) {
  req.set(http::field::host, server.host);
  req.set(http::field::user_agent, "parley-cli");
  if (!token.empty())
    req.set(http::field::authorization, "Bearer " + token);
}

ssl::context client_tls(const server_url& server) {
  try {
    return net::verifying_client_context(server.ca_file);
  } catch (const boost::system::system_error& e) {
    throw client_error("cannot read CA file " + server.ca_file + ": " + e.code().message());
  }
}

void shake_hands(tls_stream& stream, const server_url& server) {
  net::expect_server_name(stream, server.host);
  beast::error_code ec;
  stream.handshake(ssl::stream_base::client, ec);
  if (ec)
    throw client_error("TLS handshake with " + server.host + ":" + server.port
                       + " failed: " + ec.message());
}

// Connects (and for https:// shakes hands), then hands the stream to `use`.
template <class Use>
auto with_stream(const server_url& server, Use&& use) {
  asio::io_context ioc;
  if (!server.tls) {
    beast::tcp_stream stream{ioc};
    connect(stream, ioc, server);
    return use(stream);
  }
  auto ctx = client_tls(server);
  tls_stream stream{ioc, ctx};
  connect(beast::get_lowest_layer(stream), ioc, server);
  shake_hands(stream, server);
  return use(stream);
}

[[noreturn]] void unreachable(const server_url& server, const boost::system::system_error& e) {
  throw client_error("cannot reach " + server.host + ":" + server.port + ": "
                     + e.code().message());
}

} // namespace

http_result upload_file(const server_url& server, const std::string& target,
                        const std::string& path, const std::string& content_type,
                        const std::string& token) {
  http::request<http::file_body> req{http::verb::post, target, 11};
  beast::error_code ec;
  req.body().open(path.c_str(), beast::file_mode::scan, ec);
  if (ec)
    throw client_error("cannot read " + path + ": " + ec.message());
  set_common_headers(req, server, token);
  req.set(http::field::content_type, content_type);
  req.prepare_payload();
  try {
    return with_stream(server, [&](auto& stream) {
      http::write(stream, req);
      beast::flat_buffer buffer;
      http::response<http::string_body> res;
      http::read(stream, buffer, res);
      return http_result{static_cast<int>(res.result_int()), res.body()};
    });
  } catch (const boost::system::system_error& e) {
    unreachable(server, e);
  }
}

namespace {

template <class Stream>
download_result download_over(Stream& stream, const server_url& server,
                              const std::string& target, const std::string& path,
                              const std::string& token) {
  http::request<http::empty_body> req{http::verb::get, target, 11};
  set_common_headers(req, server, token);
  http::write(stream, req);

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  // Not boost::none: Beast 1.74 then refuses every body.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  http::read_header(stream, buffer, parser);
  download_result out{static_cast<int>(parser.get().result_int()), {}, 0, {}, {}};
  auto etag = std::string{parser.get()[http::field::etag]};
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"')
    etag = etag.substr(1, etag.size() - 2);
  out.etag = etag;

  std::ofstream file;
  if (out.status == 200) {
    file.open(path, std::ios::binary | std::ios::trunc);
    if (!file)
      throw client_error("cannot write " + path);
  }
  wire::sha256_hasher sha;
  std::vector<char> chunk(64 * 1024);
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    beast::error_code ec;
    http::read(stream, buffer, parser, ec);
    if (ec == http::error::need_buffer)
      ec = {};
    if (ec)
      throw boost::system::system_error{ec};
    auto n = chunk.size() - parser.get().body().size;
    if (out.status == 200) {
      file.write(chunk.data(), static_cast<std::streamsize>(n));
      sha.update(chunk.data(), n);
      out.size += n;
    } else {
      out.error_body.append(chunk.data(), n);
    }
  }
  if (out.status == 200) {
    file.close();
    if (!file)
      throw client_error("cannot write " + path);
    out.sha256 = sha.hex_digest();
  }
  return out;
}

} // namespace

download_result download_file(const server_url& server, const std::string& target,
                              const std::string& path, const std::string& token) {
  try {
    return with_stream(server, [&](auto& stream) {
      return download_over(stream, server, target, path, token);
    });
  } catch (const boost::system::system_error& e) {
    unreachable(server, e);
  }
}

http_result http_call(const server_url& server, const std::string& method,
                      const std::string& target, const std::string& body,
                      const std::string& token) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  set_common_headers(req, server, token);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  try {
    return with_stream(server, [&](auto& stream) {
      http::write(stream, req);
      beast::flat_buffer buffer;
      http::response<http::string_body> res;
      http::read(stream, buffer, res);
      beast::error_code ec;
      beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
      return http_result{static_cast<int>(res.result_int()), res.body()};
    });
  } catch (const boost::system::system_error& e) {
    unreachable(server, e);
  }
}

// The websocket runs over one of two stream types, fixed at connect.
struct ws_client::impl {
  asio::io_context ioc;
  std::optional<ssl::context> tls;
  std::optional<websocket::stream<beast::tcp_stream>> plain;
  std::optional<websocket::stream<tls_stream>> secure;
  beast::flat_buffer buffer;
  bool reading = false;
  std::optional<beast::error_code> result;

  template <class F>
  auto visit(F&& f) {
    if (secure)
      return f(*secure);
    return f(*plain);
  }
};

ws_client::ws_client() : impl_(std::make_unique<impl>()) {
}

ws_client::~ws_client() = default;

void ws_client::connect(const server_url& server) {
  auto& d = *impl_;
  try {
    if (server.tls) {
      d.tls.emplace(client_tls(server));
      d.secure.emplace(d.ioc, *d.tls);
    } else {
      d.plain.emplace(d.ioc);
    }
    d.visit([&](auto& ws) {
      tcp::resolver resolver{d.ioc};
      auto& lowest = beast::get_lowest_layer(ws);
      lowest.expires_after(std::chrono::seconds(30));
      lowest.connect(resolver.resolve(server.host, server.port));
      if constexpr (std::is_same_v<std::decay_t<decltype(ws)>, websocket::stream<tls_stream>>)
        shake_hands(ws.next_layer(), server);
      lowest.expires_never();
      ws.handshake(server.host + ":" + server.port, "/v1/ws");
      ws.text(true);
    });
  } catch (const boost::system::system_error& e) {
    throw client_error("cannot open websocket to " + server.host + ":" + server.port
                       + ": " + e.code().message());
  }
}

void ws_client::send(const std::string& frame) {
  beast::error_code ec;
  impl_->visit([&](auto& ws) { ws.write(asio::buffer(frame), ec); });
  if (ec)
    throw client_error("websocket write failed: " + ec.message());
}

std::optional<std::string> ws_client::read(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  // A read that timed out stays pending and is picked up by the next call:
  // cancelling it would leave a Beast websocket unusable.
  if (!d.reading) {
    d.reading = true;
    d.result.reset();
    d.visit([&](auto& ws) {
      ws.async_read(d.buffer, [&d](beast::error_code ec, std::size_t) {
        d.result = ec;
        d.reading = false;
      });
    });
  }
  d.ioc.restart();
  d.ioc.run_for(timeout);
  if (!d.result)
    return std::nullopt;
  auto ec = *d.result;
  d.result.reset();
  if (ec == websocket::error::closed) {
    auto reason = d.visit([](auto& ws) { return ws.reason(); });
    throw client_error("connection closed by server (code " + std::to_string(reason.code)
                       + ": " + std::string{reason.reason.c_str()} + ")");
  }
  if (ec)
    throw client_error("websocket read failed: " + ec.message());
  auto text = beast::buffers_to_string(d.buffer.data());
  d.buffer.consume(d.buffer.size());
  return text;
}

void ws_client::close() {
  beast::error_code ec;
  impl_->visit([&](auto& ws) { ws.close(websocket::close_code::normal, ec); });
}

}  // namespace parley::client
