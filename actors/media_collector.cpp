#include "actors/media_collector.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "actors/atoms.hpp"
#include "actors/errors.hpp"
#include "actors/store_messages.hpp"
#include "wire/metrics.hpp"

namespace parley {

namespace {

using namespace std::chrono;
namespace fs = std::filesystem;

constexpr std::int32_t batch_limit = 1000;
// An upload in progress writes to its temp file at least every 30 s (the
// stall limit), so an hour-old temp file belongs to no upload.
constexpr auto stale_temp_age = hours(1);

struct collector_state {
  context_ptr ctx;
  caf::actor queries;
  bool running = false;
  static inline const char* name = "media-collector";
};

using collector_ptr = caf::stateful_actor<collector_state>*;

fs::path media_dir(const collector_state& st) {
  return fs::path{st.ctx->media_dir};
}

void remove_stale_temp_files(const collector_state& st) {
  std::error_code ec;
  auto cutoff = fs::file_time_type::clock::now() - stale_temp_age;
  for (auto& entry : fs::directory_iterator(media_dir(st) / "tmp", ec)) {
    std::error_code ignored;
    if (entry.is_regular_file(ignored) && entry.last_write_time(ignored) < cutoff)
      fs::remove(entry.path(), ignored);
  }
}

// The last row naming this content is gone, but an upload of the same bytes
// may be adding a new one right now (it records its row first, then finds
// the blob already there). So the blob is moved aside first and PostgreSQL
// asked again: if a row appeared meanwhile, the blob goes back.
void remove_blob(collector_ptr self, const std::string& sha256) {
  auto& st = self->state;
  auto blob = media_dir(st) / "blobs" / sha256;
  auto aside = media_dir(st) / "tmp" / ("gc-" + sha256);
  std::error_code ec;
  fs::rename(blob, aside, ec);
  if (ec)
    return; // not there (never placed, or an older layout)
  self->request(st.queries, st.ctx->request_timeout, gc_atom::value, sha256)
    .then(
      [=](bool in_use) {
        std::error_code ignored;
        if (in_use && !fs::exists(blob, ignored))
          fs::rename(aside, blob, ignored);
        else
          fs::remove(aside, ignored);
      },
      [=](caf::error& err) {
        // Unsure: keep the content (a later collection finds it unused).
        std::error_code ignored;
        if (!fs::exists(blob, ignored))
          fs::rename(aside, blob, ignored);
        spdlog::warn("media collector: kept blob {}: {}", sha256, describe(err));
      });
}

void collect(collector_ptr self) {
  auto& st = self->state;
  if (st.running)
    return;
  st.running = true;
  remove_stale_temp_files(st);
  auto before = unix_now_ms() - duration_cast<milliseconds>(st.ctx->media_gc_age).count();
  self->request(st.queries, st.ctx->request_timeout, gc_atom::value, before, batch_limit)
    .then(
      [=](const std::vector<media_info>& gone) {
        auto& st = self->state;
        st.running = false;
        auto& m = wire::metrics::get();
        for (auto& item : gone) {
          m.media_collected.fetch_add(1, std::memory_order_relaxed);
          m.media_collected_bytes.fetch_add(static_cast<std::uint64_t>(item.size),
                                            std::memory_order_relaxed);
          std::error_code ignored;
          fs::remove(media_dir(st) / item.media_id, ignored); // older layout
          remove_blob(self, item.sha256);
        }
        if (!gone.empty())
          spdlog::info("media collector: deleted {} unreferenced upload(s)", gone.size());
        if (gone.size() == static_cast<std::size_t>(batch_limit))
          self->send(self, gc_atom::value); // more to do
      },
      [=](caf::error& err) {
        self->state.running = false;
        spdlog::warn("media collector: {}", describe(err));
      });
}

caf::behavior media_collector(collector_ptr self, context_ptr ctx, caf::actor queries) {
  self->state.ctx = std::move(ctx);
  self->state.queries = std::move(queries);
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      collect(self);
      self->delayed_send(self, self->state.ctx->media_gc_interval, tick_atom::value);
    },
    [=](gc_atom) { collect(self); },
  };
}

} // namespace

caf::actor spawn_media_collector(caf::actor_system& sys, context_ptr ctx,
                                 caf::actor queries) {
  return sys.spawn<caf::detached>(media_collector, std::move(ctx), std::move(queries));
}

} // namespace parley
