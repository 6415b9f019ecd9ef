#include "app/config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <iterator>
#include <optional>
#include <cstdlib>

#include "app/config_flags.hpp"
#include "wire/turn.hpp"
#include "wire/url.hpp"

namespace parley {

bool parse_host_port(const std::string& text, std::string& host, unsigned short& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return false;
  unsigned value = 0;
  auto* first = text.data() + colon + 1;
  auto* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc{} || end != last || value > 65535)
    return false;
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  port = static_cast<unsigned short>(value);
  return true;
}

std::string parse_seeds(const std::string& text,
                        std::vector<std::pair<std::string, unsigned short>>& out) {
  std::size_t start = 0;
  while (start < text.size()) {
    auto comma = text.find(',', start);
    auto item = text.substr(start, comma == std::string::npos ? std::string::npos
                                                              : comma - start);
    std::string host;
    unsigned short port = 0;
    if (!parse_host_port(item, host, port) || port == 0)
      return item.empty() ? std::string{"(empty)"} : item;
    out.emplace_back(host, port);
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return {};
}

namespace {

// An origin as browsers send it: scheme and authority, nothing more.
bool is_origin(const std::string& text) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (text.compare(0, scheme.size(), scheme) != 0)
      continue;
    auto authority = std::string_view{text}.substr(scheme.size());
    return !authority.empty() && authority.find_first_of("/?#@ ") == std::string_view::npos;
  }
  return false;
}

// Why the cluster flags cannot run as given, or "".
std::string cluster_tls_problem(const parleyd_config& cfg) {
  int given = !cfg.cluster_tls_cert.empty() + !cfg.cluster_tls_key.empty()
              + !cfg.cluster_ca.empty();
  if (given != 0 && given != 3)
    return "--cluster-tls-cert, --cluster-tls-key and --cluster-ca go together: give all three";
  if (given == 3 && cfg.cluster_insecure)
    return "--cluster-insecure contradicts the --cluster-tls-* flags: drop one";
  if (given == 0 && !cfg.cluster_host.empty() && !is_loopback_host(cfg.cluster_host)
      && !cfg.cluster_insecure)
    return "--cluster-listen " + cfg.cluster_host
           + " is not loopback: give --cluster-tls-cert, --cluster-tls-key and --cluster-ca "
             "(or --cluster-insecure for tests)";
  return {};
}

// The file's content without trailing line breaks and spaces; nullopt if
// it cannot be read or holds nothing.
std::optional<std::string> read_secret_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return std::nullopt;
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.pop_back();
  if (text.empty() || (!in.good() && !in.eof()))
    return std::nullopt;
  return text;
}

// coturn's shared secret: the file's first line, whitespace around it
// trimmed.
std::optional<std::string> read_first_line(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::string line;
  if (!in || !std::getline(in, line))
    return std::nullopt;
  auto blank = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!line.empty() && blank(line.back()))
    line.pop_back();
  auto first = std::find_if_not(line.begin(), line.end(), blank);
  line.erase(line.begin(), first);
  if (line.empty())
    return std::nullopt;
  return line;
}

} // namespace

bool is_loopback_host(const std::string& host) {
  unsigned char v4[4];
  if (inet_pton(AF_INET, host.c_str(), v4) == 1)
    return v4[0] == 127;
  return host == "localhost" || host == "::1";
}

namespace {

// Each of these says why the flags cannot run as given, or "".

std::string address_problem(const flag_texts& raw, parleyd_config& cfg) {
  if (!parse_host_port(raw.listen, cfg.listen_host, cfg.listen_port))
    return "--listen must be HOST:PORT, got '" + raw.listen + "'";
  if (!raw.cluster_listen.empty()
      && !parse_host_port(raw.cluster_listen, cfg.cluster_host, cfg.cluster_port))
    return "--cluster-listen must be HOST:PORT, got '" + raw.cluster_listen + "'";
  if (!raw.metrics_listen.empty()
      && !parse_host_port(raw.metrics_listen, cfg.metrics_host, cfg.metrics_port))
    return "--metrics-listen must be HOST:PORT, got '" + raw.metrics_listen + "'";
  if (auto bad = parse_seeds(raw.seeds, cfg.seeds); !bad.empty())
    return "--seeds must be HOST:PORT[,HOST:PORT...], got '" + bad + "'";
  if (!cfg.seeds.empty() && raw.cluster_listen.empty())
    return "--seeds needs --cluster-listen (the address other nodes reach this one at)";
  for (auto& origin : cfg.allowed_origins)
    if (!is_origin(origin))
      return "--allowed-origin must be http(s)://HOST[:PORT] with no path, got '" + origin
             + "'";
  return "";
}

std::string secret_file_problem(const flag_texts& raw, parleyd_config& cfg) {
  struct secret_file {
    const char* flag;
    const std::string& file;
    std::string& into;
  };
  for (auto& [flag, file, into] : {secret_file{"--db-file", raw.db_file, cfg.db_url},
                                   secret_file{"--admin-token-file", raw.admin_token_file,
                                               cfg.admin_token},
                                   secret_file{"--push-secret-file", raw.push_secret_file,
                                               cfg.push_secret}}) {
    if (file.empty())
      continue;
    auto secret = read_secret_file(file);
    if (!secret)
      return std::string{flag} + ": cannot read a non-empty secret from '" + file + "'";
    into = std::move(*secret);
  }
  return "";
}

std::string turn_problem(const flag_texts& raw, parleyd_config& cfg) {
  if (raw.turn_secret_file.empty() != cfg.turn_urls.empty())
    return "--turn-secret-file and --turn-url go together: give both";
  if (!raw.turn_secret_file.empty()) {
    auto secret = read_first_line(raw.turn_secret_file);
    if (!secret)
      return "--turn-secret-file: cannot read a non-empty secret from '" + raw.turn_secret_file
             + "'";
    cfg.turn_secret = std::move(*secret);
  }
  for (auto& url : cfg.turn_urls)
    if (auto fault = wire::turn_url_fault(url); !fault.empty())
      return "--turn-url: " + fault + ", got '" + url + "'";
  return "";
}

// Flags that need others, or a form CLI11 does not check.
std::string setting_problem(const parleyd_config& cfg) {
  if (!cfg.push_webhook.empty() && !wire::parse_http_url(cfg.push_webhook))
    return "--push-webhook must be an http(s)://HOST[:PORT][/PATH] URL, got '"
           + cfg.push_webhook + "'";
  if (auto reason = cluster_tls_problem(cfg); !reason.empty())
    return reason;
  if (!cfg.grant_to.empty() && !cfg.migrate_only)
    return "--grant-to goes with --migrate-only";
  if (cfg.tls_cert.empty() != cfg.tls_key.empty())
    return "--tls-cert and --tls-key go together: give both";
  if (cfg.db_url.empty())
    return "no database: pass --db URL or set DATABASE_URL";
  return "";
}

} // namespace

std::variant<parleyd_config, config_exit>
parse_parleyd_config(const std::vector<std::string>& args) {
  parleyd_config cfg;
  flag_texts raw;
  CLI::App app{"parleyd: a Parley chat node"};
  app.set_version_flag("--version", "parleyd " PARLEY_VERSION);
  add_parleyd_flags(app, cfg, raw);
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return config_exit{0, app.help()};
  } catch (const CLI::CallForVersion&) {
    return config_exit{0, "parleyd " PARLEY_VERSION};
  } catch (const CLI::ParseError& e) {
    return config_exit{2, std::string{"parleyd: "} + e.what()};
  }
  auto problem = address_problem(raw, cfg);
  if (problem.empty())
    problem = secret_file_problem(raw, cfg);
  if (problem.empty())
    problem = turn_problem(raw, cfg);
  if (problem.empty())
    problem = setting_problem(cfg);
  if (!problem.empty())
    return config_exit{2, "parleyd: " + problem};
  return cfg;
}

} // namespace parley
