#pragma once
// Checks certificate files before anything listens, so that a wrong path,
// a key that does not match or a certificate another CA signed stops
// parleyd at start with one line, instead of failing (or throwing in an
// I/O thread) at the first connection.
#include <string>

namespace parley {

// Why `cert` (PEM, chain allowed) and `key` cannot serve, or "". With
// `ca`, the certificate must also verify against it.
std::string tls_files_problem(const std::string& cert, const std::string& key,
                              const std::string& ca = {});

} // namespace parley
