#pragma once
// What /proc says about the processes under test: CPU time (user + system)
// and resident memory. Linux only, as the bench is.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::bench {

// CPU seconds used so far by `pid` (utime + stime); nullopt if it is gone.
std::optional<double> cpu_seconds(int pid);
// Resident memory of `pid` in KiB (VmRSS); nullopt if it is gone.
std::optional<std::uint64_t> rss_kib(int pid);
// Every process whose command name is `comm` (e.g. "postgres").
std::vector<int> pids_named(const std::string& comm);
// CPU seconds of all processes named `comm` (PostgreSQL's backends come and go;
// this counts the live ones).
double cpu_seconds_of_all(const std::string& comm);

} // namespace parley::bench
