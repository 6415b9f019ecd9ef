#include "net/listener.hpp"

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include "net/http_session.hpp"

namespace parley::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

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

struct listener::impl {
  listener_config cfg;
  rest_handler rest;
  wire::ws_session_factory ws;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  std::shared_ptr<connection_registry> registry = std::make_shared<connection_registry>();
  std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> work;

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](boost::system::error_code ec,
                                                         tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open())
        return;
      if (!ec) {
        socket.set_option(tcp::no_delay(true), ec);
        run_http_session(std::move(socket), http_context{rest, ws, registry, cfg});
      } else {
        spdlog::warn("accept failed: {}", ec.message());
      }
      accept();
    });
  }
};

listener::listener(listener_config cfg, rest_handler rest, wire::ws_session_factory ws)
  : impl_(std::make_unique<impl>()) {
  impl_->cfg = std::move(cfg);
  impl_->rest = std::move(rest);
  impl_->ws = std::move(ws);
}

listener::~listener() {
  stop();
}

void listener::start() {
  auto& d = *impl_;
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

void listener::stop_accepting() {
  asio::post(impl_->ioc, [&d = *impl_] {
    boost::system::error_code ec;
    d.acceptor.close(ec);
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
