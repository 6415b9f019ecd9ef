#pragma once
// How the wire layer's types cross nodes inside CAF messages: `inspect`
// overloads, kept here so that wire/ knows nothing of CAF.
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>

#include <string>
#include <utility>

#include "wire/shared_text.hpp"
#include "wire/stored_message.hpp"

namespace parley::wire {

// Crosses nodes as its text; within a node a copy shares the bytes.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shared_text& x) {
  std::string text = Inspector::reads_state ? x.str() : std::string{};
  return f(text, caf::meta::load_callback([&]() -> caf::error {
             x = shared_text{std::move(text)};
             return caf::none;
           }));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stored_message& x) {
  return f(caf::meta::type_name("stored_message"), x.msg_id, x.conversation, x.seq,
           x.from, x.from_device, x.ts, x.body, x.system);
}

} // namespace parley::wire
