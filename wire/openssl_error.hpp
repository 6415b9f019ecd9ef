#pragma once
// OpenSSL reports why a call failed on a per-thread error queue.
#include <string>

namespace parley::wire {

// The oldest queued OpenSSL error as text (the queue is then cleared), or
// "unknown OpenSSL error" if none was queued.
std::string openssl_reason();

} // namespace parley::wire
