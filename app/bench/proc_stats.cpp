#include "app/bench/proc_stats.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace parley::bench {

std::optional<double> cpu_seconds(int pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string text;
  if (!std::getline(in, text))
    return std::nullopt;
  // The command may contain spaces: fields are counted after its ')'.
  auto close = text.rfind(')');
  if (close == std::string::npos)
    return std::nullopt;
  std::istringstream fields{text.substr(close + 2)};
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14)
      utime = std::stoull(field);
    if (i == 15)
      stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::optional<std::uint64_t> rss_kib(int pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stoull(line.substr(6));
  return std::nullopt;
}

std::vector<int> pids_named(const std::string& comm) {
  std::vector<int> out;
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream in{entry.path() / "comm"};
    std::string got;
    if (std::getline(in, got) && got == comm)
      out.push_back(std::stoi(name));
  }
  return out;
}

double cpu_seconds_of_all(const std::string& comm) {
  double total = 0;
  for (int pid : pids_named(comm))
    total += cpu_seconds(pid).value_or(0);
  return total;
}

} // namespace parley::bench
