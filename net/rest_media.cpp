// POST /v1/media (streamed to a temp file by net/http_session.cpp, kept
// content-addressed under the media directory) and GET/HEAD /v1/media/{id}.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>

#include "net/rest_handlers.hpp"
#include "wire/credentials.hpp"
#include "wire/range.hpp"

namespace parley::net {

namespace {

bool valid_content_type(const std::string& ct) {
  return !ct.empty() && ct.size() <= 255 && printable_ascii(ct);
}

} // namespace

rest_handlers::file_guard::~file_guard() {
  if (!keep && !path.empty())
    std::remove(path.c_str());
}

void rest_handlers::admit_upload(const http_request& head,
                                 std::function<void(upload_admission)> reply) {
  auto refuse = [reply](http_response r) {
    upload_admission a;
    a.refusal = std::move(r);
    reply(std::move(a));
  };
  auto declared = head.declared_length;
  auto uploads = uploads_;
  authorized(head, refuse, [=](const identity& who) {
    ask_or<std::int64_t>(
      uploads, ctx_->request_timeout,
      [=](std::int64_t bytes) {
        upload_admission a;
        a.max_bytes = static_cast<std::uint64_t>(bytes);
        // Given back when the upload is stored, refused or abandoned.
        a.ticket = std::shared_ptr<void>(nullptr, [uploads, user = who.user_id, bytes](void*) {
          caf::anon_send(uploads, release_atom::value, user, bytes);
        });
        reply(std::move(a));
      },
      [=](const caf::error& err) { refuse(failure_response(err)); }, reserve_atom::value,
      who.user_id, declared);
  });
}

void rest_handlers::upload(const http_request& req, responder respond) {
  if (!req.upload)
    return respond(error_response(400, "bad_request", "no upload body"));
  auto guard = std::make_shared<file_guard>();
  guard->path = req.upload->path;
  auto content_type = req.content_type.empty() ? "application/octet-stream"
                                               : req.content_type;
  if (!valid_content_type(content_type))
    return respond(error_response(400, "invalid_content_type",
                                  "Content-Type must be printable ASCII, at most 255"));
  // The guard (and the quota reservation) live as long as any answer path.
  responder answer = [guard, respond, ticket = req.upload_ticket](http_response r) {
    respond(std::move(r));
  };
  auto upload = *req.upload;
  authorized(req, answer, [=](const identity& who) {
    media_info info{credentials::random_hex(16), who.user_id,
                    static_cast<std::int64_t>(upload.size), upload.sha256,
                    content_type};
    // Recorded first (within the quota), then the content is placed, so
    // a blob on disk always has a row: a collector of blobs without rows
    // (not built yet) can never take one that is being uploaded.
    ask<bool>(
      queries_, ctx_->request_timeout, answer,
      [=](bool) {
        if (!place_blob(*guard, info.sha256)) {
          caf::anon_send(queries_, media_del_atom::value, info.media_id);
          return answer(error_response(507, "storage_full", "cannot store the upload"));
        }
        answer(json_response(201, json{{"media_id", info.media_id},
                                       {"size", info.size},
                                       {"sha256", info.sha256}}
                                    .dump()));
      },
      media_put_atom::value, info);
  });
}

std::string rest_handlers::blob_path(const std::string& sha256) const {
  return ctx_->media_dir + "/blobs/" + sha256;
}

// Content-addressed: the same bytes uploaded twice are stored once. A
// second copy only refreshes the blob's modification time (the time a
// collector would judge its age by) and is dropped with its temp file.
bool rest_handlers::place_blob(file_guard& upload, const std::string& sha256) const {
  auto target = blob_path(sha256);
  std::error_code ec;
  if (std::filesystem::exists(target, ec)) {
    std::filesystem::last_write_time(target, std::filesystem::file_time_type::clock::now(),
                                     ec);
    return true; // the guard removes the temp file
  }
  if (std::rename(upload.path.c_str(), target.c_str()) != 0)
    return false;
  upload.keep = true;
  return true;
}

void rest_handlers::download(const http_request& req, const std::string& media_id, bool head,
              responder respond) {
  if (!wire::is_media_id(media_id))
    return respond(error_response(404, "no_such_media", "no such media"));
  auto range_header = req.range;
  auto if_none_match = req.if_none_match;
  authorized(req, respond, [=](const identity&) {
    ask<media_info>(
      queries_, ctx_->request_timeout, respond,
      [=](const media_info& info) {
        respond(media_response(info, range_header, if_none_match, head));
      },
      media_get_atom::value, media_id);
  });
}

namespace {

// Media are what users upload, served from the API's own origin: a browser
// must never sniff them into a page, run their scripts, or show anything
// but pictures, sound and video in place.
void add_untrusted_content_headers(std::vector<std::pair<std::string, std::string>>& headers,
                                   const std::string& content_type) {
  headers.push_back({"X-Content-Type-Options", "nosniff"});
  headers.push_back({"Content-Security-Policy", "sandbox"});
  auto shown_in_place = [&](std::string_view kind) {
    return content_type.size() > kind.size()
           && std::equal(kind.begin(), kind.end(), content_type.begin(),
                         [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
  };
  if (!shown_in_place("image/") && !shown_in_place("audio/") && !shown_in_place("video/"))
    headers.push_back({"Content-Disposition", "attachment"});
}

} // namespace

http_response rest_handlers::media_response(const media_info& info, const std::string& range_header,
                             const std::string& if_none_match, bool head) {
  auto size = static_cast<std::uint64_t>(info.size);
  auto etag = "\"" + info.sha256 + "\"";
  http_response r;
  r.content_type = info.content_type;
  r.headers = {{"ETag", etag}, {"Accept-Ranges", "bytes"},
               {"Cache-Control", "private, max-age=31536000, immutable"}};
  add_untrusted_content_headers(r.headers, info.content_type);
  if (if_none_match == etag || if_none_match == "*") {
    r.status = 304;
    return r;
  }
  auto range = wire::parse_range(range_header, size);
  if (range.kind == wire::byte_range::unsatisfiable) {
    auto e = error_response(416, "bad_range", "the requested range is not satisfiable");
    e.headers.push_back({"Content-Range", "bytes */" + std::to_string(size)});
    return e;
  }
  r.file_path = blob_path(info.sha256);
  std::error_code ec;
  if (!std::filesystem::exists(r.file_path, ec)) // stored before blobs existed
    r.file_path = ctx_->media_dir + "/" + info.media_id;
  r.file_offset = range.offset;
  r.file_length = range.length;
  r.head_only = head;
  if (range.kind == wire::byte_range::partial) {
    r.status = 206;
    r.headers.push_back({"Content-Range", "bytes " + std::to_string(range.offset) + "-"
                                            + std::to_string(range.offset + range.length - 1)
                                            + "/" + std::to_string(size)});
  }
  return r;
}

} // namespace parley::net
