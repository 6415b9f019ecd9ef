// parleyd: one Parley node. See README.md and docs/protocol.md.
#include <spdlog/spdlog.h>

#include <iostream>

#include "app/config.hpp"
#include "app/node.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = parley::parse_parleyd_config(args);
  if (auto* exit = std::get_if<parley::config_exit>(&parsed)) {
    (exit->code == 0 ? std::cout : std::cerr) << exit->text << '\n';
    return exit->code;
  }
  auto& cfg = std::get<parley::parleyd_config>(parsed);
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%t] %v");
  return parley::run_node(cfg);
}
