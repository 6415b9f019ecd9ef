// An attacker's CAF node, for tests/integration/test_cluster_security.py.
// It reaches a parleyd's cluster port, joins as if it were a member, and
// asks the directory it was handed for a victim device's messages (a
// relayed long-poll). Exit 0 means the attack worked: the test expects a
// non-zero exit and the line saying where it was stopped.
//
//   parley-rogue HOST PORT USER_ID DEVICE_ID [--cert C --key K --ca CA]
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "actors/atoms.hpp"
#include "actors/membership.hpp"
#include "actors/store_messages.hpp"
#include "actors/type_registry.hpp"

using namespace parley;

namespace {

struct rogue_args {
  std::string host;
  std::uint16_t port = 0;
  identity victim;
  std::string cert, key, ca;
};

bool parse(int argc, char** argv, rogue_args& out) {
  if (argc < 5)
    return false;
  out.host = argv[1];
  out.port = static_cast<std::uint16_t>(std::stoi(argv[2]));
  out.victim.user_id = std::stoll(argv[3]);
  out.victim.device_id = std::stoll(argv[4]);
  for (int i = 5; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--cert")
      out.cert = argv[i + 1];
    else if (flag == "--key")
      out.key = argv[i + 1];
    else if (flag == "--ca")
      out.ca = argv[i + 1];
    else
      return false;
  }
  return true;
}

int attack(caf::actor_system& sys, const rogue_args& args, bool tls) {
  auto target = tls ? caf::openssl::remote_actor(sys, args.host, args.port)
                    : sys.middleman().remote_actor(args.host, args.port);
  if (!target) {
    std::printf("stopped at connect: %s\n", sys.render(target.error()).c_str());
    return 3;
  }
  caf::scoped_actor self{sys};
  // Its own actors as the "membership" and "directory" of node 999.
  auto decoy = sys.spawn([] { return caf::behavior{[](int) {}}; });
  node_info me{999, "127.0.0.1", 1, decoy, decoy};
  std::vector<node_info> view;
  bool joined = false;
  self->request(*target, std::chrono::seconds(5), join_atom::value, me)
    .receive(
      [&](std::vector<node_info>& v) {
        view = std::move(v);
        joined = true;
      },
      [&](caf::error& err) { std::printf("stopped at join: %s\n", sys.render(err).c_str()); });
  caf::anon_send_exit(decoy, caf::exit_reason::user_shutdown);
  if (!joined || view.empty() || !view.front().directory)
    return 4;
  int rc = 5;
  self->request(view.front().directory, std::chrono::seconds(5), relayed_atom::value,
                poll_atom::value, args.victim, std::string{}, std::int64_t{0})
    .receive(
      [&](std::string& events) {
        std::printf("got in: the victim's poll answered %zu bytes\n", events.size());
        rc = 0;
      },
      [&](caf::error& err) {
        std::printf("stopped at the directory: %s\n", sys.render(err).c_str());
      });
  return rc;
}

} // namespace

int main(int argc, char** argv) {
  rogue_args args;
  if (!parse(argc, argv, args)) {
    std::fprintf(stderr, "usage: parley-rogue HOST PORT USER_ID DEVICE_ID "
                         "[--cert C --key K --ca CA]\n");
    return 2;
  }
  caf::actor_system_config cfg;
  register_types(cfg);
  register_cluster_types(cfg);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  cfg.load<caf::io::middleman>();
  bool tls = !args.cert.empty() || !args.ca.empty();
  if (tls) {
    cfg.load<caf::openssl::manager>();
    cfg.openssl_certificate = args.cert;
    cfg.openssl_key = args.key;
    cfg.openssl_cafile = args.ca;
  }
  caf::actor_system sys{cfg};
  return attack(sys, args, tls);
}
