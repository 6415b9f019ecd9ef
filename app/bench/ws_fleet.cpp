#include "app/bench/ws_fleet.hpp"
#include "net/tls_client.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace parley::bench {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using plain_ws = websocket::stream<beast::tcp_stream>;
using tls_ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

namespace {

// Written once over either stream: `Ws` is plain_ws or tls_ws.
template <class Ws>
struct connection : std::enable_shared_from_this<connection<Ws>> {
  using std::enable_shared_from_this<connection<Ws>>::shared_from_this;
  int thread, id;
  Ws ws;
  beast::flat_buffer buffer;
  std::deque<std::string> queue;
  bool writing = false, ready = false, closed = false;
  std::string token;
  fleet::frame_handler on_frame;
  fleet::ready_handler on_ready;
  clock_type::time_point started;

  template <class... Tls>
  connection(asio::io_context& ioc, int thread, int id, Tls&... tls)
    : thread(thread), id(id), ws(ioc, tls...) {
  }

  void fail(const std::string& what, beast::error_code ec) {
    fail(what + ": " + ec.message());
  }

  void fail(const std::string& why) {
    closed = true;
    if (!ready && on_ready)
      on_ready(thread, id, false, 0, why);
    on_ready = nullptr;
  }

  void start(const tcp::endpoint& server, const std::string& source, const std::string& host) {
    started = clock_type::now();
    auto& sock = beast::get_lowest_layer(ws).socket();
    beast::error_code ec;
    sock.open(tcp::v4(), ec);
    if (!source.empty() && !ec)
      sock.bind(tcp::endpoint{asio::ip::make_address(source), 0}, ec);
    if (ec)
      return fail("socket", ec);
    beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(30));
    beast::get_lowest_layer(ws).async_connect(
      server, [self = shared_from_this(), host](beast::error_code ec) {
        if (ec)
          return self->fail("connect", ec);
        if constexpr (std::is_same_v<Ws, tls_ws>) {
          auto& tls = self->ws.next_layer();
          auto name = host.substr(0, host.rfind(':'));
          net::expect_server_name(tls, name);
          tls.async_handshake(ssl::stream_base::client, [self, host](beast::error_code ec) {
            if (ec)
              return self->fail("TLS handshake", ec);
            self->upgrade(host);
          });
        } else {
          self->upgrade(host);
        }
      });
  }

  void upgrade(const std::string& host) {
    ws.async_handshake(host, "/v1/ws", [self = shared_from_this()](beast::error_code ec) {
      if (ec)
        return self->fail("handshake", ec);
      beast::get_lowest_layer(self->ws).expires_never();
      self->ws.text(true);
      self->write(R"({"type":"auth","token":")" + self->token + R"("})");
      self->read();
    });
  }

  void read() {
    ws.async_read(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec)
        return self->fail("read", ec);
      auto data = self->buffer.data();
      std::string_view text{static_cast<const char*>(data.data()), data.size()};
      if (!self->ready) {
        if (text.find(R"("type":"ready")") != std::string_view::npos) {
          self->ready = true;
          auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          clock_type::now() - self->started)
                          .count();
          if (self->on_ready)
            self->on_ready(self->thread, self->id, true, static_cast<std::uint64_t>(micros), {});
          self->on_ready = nullptr;
        } else if (text.find(R"("type":"error")") != std::string_view::npos) {
          self->fail("auth refused: " + std::string{text});
          return;
        }
      } else if (self->on_frame) {
        self->on_frame(self->thread, self->id, text);
      }
      self->buffer.consume(self->buffer.size());
      self->read();
    });
  }

  void write(std::string frame) {
    if (closed)
      return;
    queue.push_back(std::move(frame));
    if (!writing)
      write_next();
  }

  void write_next() {
    writing = true;
    ws.async_write(asio::buffer(queue.front()),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     self->queue.pop_front();
                     if (ec)
                       return self->fail("write", ec);
                     if (self->queue.empty())
                       self->writing = false;
                     else
                       self->write_next();
                   });
  }

  void close() {
    if (closed)
      return;
    closed = true;
    beast::error_code ec;
    beast::get_lowest_layer(ws).socket().close(ec);
  }
};

// A connection as the fleet holds it, whichever its stream.
struct any_connection {
  std::shared_ptr<connection<plain_ws>> plain;
  std::shared_ptr<connection<tls_ws>> secure;

  template <class F>
  void visit(F&& f) {
    if (secure)
      f(*secure);
    else
      f(*plain);
  }
};

struct worker {
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
  std::unordered_map<int, any_connection> connections;
  std::vector<std::unique_ptr<asio::steady_timer>> timers;
  std::vector<std::shared_ptr<std::function<void()>>> loops; // see fleet::every
  bool stopping = false; // no timer is armed again
  std::thread thread;
};

} // namespace

struct fleet::impl {
  fleet_options opts;
  tcp::endpoint server;
  std::unique_ptr<ssl::context> tls; // with opts.tls
  std::vector<std::unique_ptr<worker>> workers;
  bool stopped = false;

  worker& of(int id) { return *workers[static_cast<std::size_t>(id) % workers.size()]; }
};

fleet::fleet(fleet_options opts) : impl_(std::make_unique<impl>()) {
  impl_->opts = std::move(opts);
  asio::io_context resolve_ctx;
  tcp::resolver resolver{resolve_ctx};
  impl_->server = *resolver.resolve(impl_->opts.host, impl_->opts.port).begin();
  if (impl_->opts.tls) {
    impl_->tls =
      std::make_unique<ssl::context>(net::verifying_client_context(impl_->opts.ca_file));
  }
  for (int i = 0; i < std::max(1, impl_->opts.threads); ++i) {
    auto w = std::make_unique<worker>();
    w->thread = std::thread([ioc = &w->ioc] { ioc->run(); });
    impl_->workers.push_back(std::move(w));
  }
}

fleet::~fleet() {
  stop();
}

int fleet::threads() const {
  return static_cast<int>(impl_->workers.size());
}

void fleet::open(int id, std::string token, frame_handler on_frame, ready_handler on_ready) {
  auto& w = impl_->of(id);
  int thread = id % threads();
  std::string source;
  if (impl_->opts.source_addresses > 1)
    source = "127.0.0." + std::to_string(1 + id % impl_->opts.source_addresses);
  auto host = impl_->opts.host + ":" + impl_->opts.port;
  asio::post(w.ioc, [&w, thread, id, token = std::move(token), on_frame = std::move(on_frame),
                     on_ready = std::move(on_ready), server = impl_->server, source, host,
                     tls = impl_->tls.get()] {
    any_connection any;
    if (tls)
      any.secure = std::make_shared<connection<tls_ws>>(w.ioc, thread, id, *tls);
    else
      any.plain = std::make_shared<connection<plain_ws>>(w.ioc, thread, id);
    w.connections[id] = any;
    any.visit([&](auto& c) {
      c.token = token;
      c.on_frame = on_frame;
      c.on_ready = on_ready;
      c.start(server, source, host);
    });
  });
}

void fleet::send(int id, std::string frame) {
  auto& w = impl_->of(id);
  asio::post(w.ioc, [&w, id, frame = std::move(frame)]() mutable {
    if (auto it = w.connections.find(id); it != w.connections.end())
      it->second.visit([&](auto& c) { c.write(std::move(frame)); });
  });
}

void fleet::post(int thread, std::function<void()> fn) {
  asio::post(impl_->workers[static_cast<std::size_t>(thread)]->ioc, std::move(fn));
}

void fleet::every(std::chrono::microseconds period, std::function<void(int)> fn) {
  for (int t = 0; t < threads(); ++t) {
    auto& w = *impl_->workers[static_cast<std::size_t>(t)];
    asio::post(w.ioc, [&w, t, period, fn] {
      w.timers.push_back(std::make_unique<asio::steady_timer>(w.ioc));
      auto* timer = w.timers.back().get();
      auto tick = std::make_shared<std::function<void()>>();
      *tick = [&w, timer, t, period, fn, weak = std::weak_ptr<std::function<void()>>(tick)] {
        timer->expires_after(period);
        timer->async_wait([&w, t, fn, weak](beast::error_code ec) {
          if (ec || w.stopping)
            return;
          fn(t);
          if (auto again = weak.lock())
            (*again)();
        });
      };
      (*tick)();
      w.loops.push_back(tick); // the timer's handler holds it only weakly

    });
  }
}

void fleet::stop() {
  if (impl_->stopped)
    return;
  impl_->stopped = true;
  for (auto& w : impl_->workers) {
    asio::post(w->ioc, [wp = w.get()] {
      wp->stopping = true;
      for (auto& t : wp->timers)
        t->cancel();
      for (auto& [id, c] : wp->connections)
        c.visit([](auto& conn) { conn.close(); });
      wp->connections.clear();
      wp->guard.reset();
    });
  }
  for (auto& w : impl_->workers)
    if (w->thread.joinable())
      w->thread.join();
}

} // namespace parley::bench
