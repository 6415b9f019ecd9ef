#pragma once
// How a delivered message reaches a device: as a frame through its session
// actor, with the note that places it in its conversation, or as a push
// notification for a user with no live device.
#include "actors/wire_inspect.hpp"
#include "wire/records.hpp"

namespace parley {

// What a push notification says about a message (wire/records.hpp).
using wire::push_note;

} // namespace parley
