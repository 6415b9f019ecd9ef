#pragma once
// Which browser origins may change state or open a websocket. A page on
// another site can make a victim's browser send requests to Parley; its
// Origin header says where it came from, so those are refused. Clients
// that are not browsers send no Origin and are not affected.
#include <string>
#include <string_view>
#include <vector>

namespace parley::wire {

struct origin_policy {
  // Origins allowed besides the server's own, exactly as a browser writes
  // them ("https://chat.example.org", no path, no trailing slash).
  std::vector<std::string> allowed;
  bool tls = false; // the listener speaks HTTPS: its own origin is https://
};

// True if a request with `origin` (the header's value; empty: none sent)
// to a server reached as `host` (the Host header) may go on. The server's
// own origin is scheme://host; "null" (sandboxed frames, file: pages) is
// foreign.
bool origin_allowed(const origin_policy& policy, std::string_view origin,
                    std::string_view host);

// True for the methods a page could use to change state.
bool changes_state(std::string_view method);

} // namespace parley::wire
