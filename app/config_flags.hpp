#pragma once
// parleyd's flags as CLI11 options (app/config_flags.cpp), for
// app/config.cpp alone: CLI11 is a heavy header, kept out of config.hpp.
#include <CLI/CLI.hpp>

#include <string>

#include "app/config.hpp"

namespace parley {

// What a flag gives as text, for app/config.cpp to check and turn into
// the config: addresses, and the files secrets are read from (argv and
// the environment show in `ps` and /proc, so secrets come in files).
struct flag_texts {
  std::string listen = "127.0.0.1:8080";
  std::string cluster_listen;
  std::string seeds;
  std::string metrics_listen;
  std::string turn_secret_file;
  std::string db_file;
  std::string admin_token_file;
  std::string push_secret_file;
};

// Every flag of parleyd, each writing into `cfg` or `raw`.
void add_parleyd_flags(CLI::App& app, parleyd_config& cfg, flag_texts& raw);

} // namespace parley
