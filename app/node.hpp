#pragma once
// One parleyd node: the actor system, the actors, the listener, start-up
// (migrations) and a draining shutdown.
#include "app/config.hpp"

namespace parley {

// Runs until SIGTERM or SIGINT; returns the process exit code.
int run_node(const parleyd_config& cfg);

} // namespace parley
