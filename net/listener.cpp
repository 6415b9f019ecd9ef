#include "net/listener.hpp"

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include "net/http_session.hpp"
#include "net/tls_identity.hpp"
#include "wire/metrics.hpp"

namespace parley::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using wire::metrics;

void connection_registry::add(const std::shared_ptr<wire::ws_link>& link) {
  std::lock_guard<std::mutex> guard{mtx_};
  links_.emplace(link.get(), link);
}

void connection_registry::remove(const wire::ws_link* link) {
  std::lock_guard<std::mutex> guard{mtx_};
  links_.erase(link);
}

std::vector<std::shared_ptr<wire::ws_link>> connection_registry::open_links() const {
  std::vector<std::shared_ptr<wire::ws_link>> open;
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& [ptr, weak] : links_)
    if (auto link = weak.lock())
      open.push_back(std::move(link));
  return open;
}

void connection_registry::close_all(std::uint16_t code, const std::string& reason) {
  for (auto& link : open_links())
    link->close(code, reason);
}

void connection_registry::abort_all() {
  for (auto& link : open_links())
    link->abort();
}

std::size_t connection_registry::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return links_.size();
}

namespace {

// Open connections per peer address, shared by the Asio threads (no
// actor involved, hence the mutex). A slot gives its place back when the
// connection, HTTP or websocket, is gone.
class address_counts : public std::enable_shared_from_this<address_counts> {
public:
  explicit address_counts(unsigned limit) : limit_(limit) {
  }

  // The connection's slot, or null if `address` has too many already.
  std::shared_ptr<void> admit(const std::string& address) {
    if (limit_ == 0)
      return std::make_shared<int>(0);
    {
      std::lock_guard<std::mutex> guard{mtx_};
      auto& n = open_[address];
      if (n >= limit_)
        return nullptr;
      ++n;
    }
    return std::make_shared<slot>(shared_from_this(), address);
  }

private:
  struct slot {
    slot(std::shared_ptr<address_counts> counts, std::string address)
      : counts(std::move(counts)), address(std::move(address)) {
    }
    ~slot() { counts->release(address); }
    std::shared_ptr<address_counts> counts;
    std::string address;
  };

  void release(const std::string& address) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto it = open_.find(address);
    if (it != open_.end() && --it->second == 0)
      open_.erase(it);
  }

  unsigned limit_;
  std::mutex mtx_;
  std::unordered_map<std::string, unsigned> open_;
};

// Accepting again right after EMFILE or ENFILE would spin the I/O thread:
// the listen queue still holds the connection no descriptor can take.
constexpr auto accept_backoff = std::chrono::milliseconds(100);

} // namespace

struct listener::impl {
  listener_config cfg;
  rest_endpoints rest;
  wire::ws_session_factory ws;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  std::shared_ptr<connection_registry> registry = std::make_shared<connection_registry>();
  std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::shared_ptr<address_counts> counts;
  asio::steady_timer retry{ioc};
  std::unique_ptr<tls_identity> identity; // null: plain HTTP
  std::chrono::steady_clock::time_point last_warning;

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](boost::system::error_code ec,
                                                         tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open())
        return;
      if (ec)
        return back_off(ec);
      serve(std::move(socket));
      accept();
    });
  }

  void serve(tcp::socket socket) {
    boost::system::error_code ec;
    auto peer = socket.remote_endpoint(ec);
    auto slot = counts->admit(ec ? std::string{} : peer.address().to_string());
    if (!slot) {
      metrics::get().connections_refused.fetch_add(1, std::memory_order_relaxed);
      socket.close(ec); // over --max-connections-per-ip
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    http_context ctx{rest, ws, registry, cfg, std::move(slot)};
    if (!identity)
      return run_http_session(std::move(socket), std::move(ctx));
    auto tls = identity->current(); // kept until the connection's OpenSSL state holds it
    run_https_session(std::move(socket), *tls, std::move(ctx));
  }

  void back_off(const boost::system::error_code& ec) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_warning > std::chrono::seconds(10)) { // a flood logs once per 10 s
      spdlog::warn("accept failed: {}; retrying every {} ms", ec.message(),
                   accept_backoff.count());
      last_warning = now;
    }
    retry.expires_after(accept_backoff);
    retry.async_wait([this](boost::system::error_code wait_ec) {
      if (!wait_ec)
        accept();
    });
  }
};

listener::listener(listener_config cfg, rest_endpoints rest, wire::ws_session_factory ws)
  : impl_(std::make_unique<impl>()) {
  impl_->counts = std::make_shared<address_counts>(cfg.max_connections_per_ip);
  impl_->cfg = std::move(cfg);
  impl_->rest = std::move(rest);
  impl_->ws = std::move(ws);
}

listener::~listener() {
  stop();
}

void listener::start() {
  auto& d = *impl_;
  if (!d.cfg.tls_cert.empty()) {
    d.identity = std::make_unique<tls_identity>(d.cfg.tls_cert, d.cfg.tls_key);
    if (auto problem = d.identity->reload(); !problem.empty())
      throw std::runtime_error(problem);
  }
  tcp::endpoint ep{asio::ip::make_address(d.cfg.host), d.cfg.port};
  d.acceptor.open(ep.protocol());
  d.acceptor.set_option(asio::socket_base::reuse_address(true));
  d.acceptor.bind(ep);
  d.acceptor.listen(asio::socket_base::max_listen_connections);
  d.work = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
    d.ioc.get_executor());
  d.accept();
  for (int i = 0; i < std::max(1, d.cfg.io_threads); ++i)
    d.threads.emplace_back([&d] { d.ioc.run(); });
}

unsigned short listener::port() const {
  return impl_->acceptor.local_endpoint().port();
}

bool listener::tls() const {
  return impl_->identity != nullptr;
}

std::string listener::reload_tls() {
  if (!impl_->identity)
    return "the listener has no TLS certificate to reload";
  return impl_->identity->reload();
}

void listener::stop_accepting() {
  asio::post(impl_->ioc, [&d = *impl_] {
    boost::system::error_code ec;
    d.acceptor.close(ec);
    d.retry.cancel();
  });
}

void listener::close_websockets(std::uint16_t code, const std::string& reason) {
  impl_->registry->close_all(code, reason);
}

void listener::stop() {
  auto& d = *impl_;
  if (d.threads.empty())
    return;
  // Peers that did not answer the closing handshake in time are cut off,
  // so that every session learns its connection ended before the Asio
  // threads stop (a session left waiting would keep the node from exiting).
  d.registry->abort_all();
  for (int i = 0; i < 100 && d.registry->size() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  d.work.reset();
  d.ioc.stop();
  for (auto& t : d.threads)
    t.join();
  d.threads.clear();
}

} // namespace parley::net
