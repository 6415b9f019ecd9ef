#pragma once
// Registers every message type actors send, so that they can cross nodes,
// and Parley's error category, so that logs name errors.
#include <caf/fwd.hpp>

namespace parley {

void register_types(caf::actor_system_config& cfg);

} // namespace parley
