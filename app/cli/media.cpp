// parley send-file and fetch: uploads and downloads checked by SHA-256.
#include "app/cli/common.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <openssl/rand.h>
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sys/stat.h>

namespace parley::cli {

using namespace std::chrono;

namespace {

// The type a receiving app shows the file as, from its extension.
std::string content_type_of(const fs::path& path) {
  static const std::map<std::string, std::string> types = {
    {".jpg", "image/jpeg"},  {".jpeg", "image/jpeg"}, {".png", "image/png"},
    {".gif", "image/gif"},   {".webp", "image/webp"}, {".heic", "image/heic"},
    {".mp4", "video/mp4"},   {".mov", "video/quicktime"}, {".webm", "video/webm"},
    {".mp3", "audio/mpeg"},  {".ogg", "audio/ogg"},   {".opus", "audio/ogg"},
    {".m4a", "audio/mp4"},   {".pdf", "application/pdf"}, {".zip", "application/zip"},
    {".txt", "text/plain"},  {".json", "application/json"}};
  auto ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto it = types.find(ext);
  return it == types.end() ? "application/octet-stream" : it->second;
}

} // namespace

// Uploads the file, then sends a message whose body describes it (what a
// receiving app needs to fetch and check it) and whose `media` names it.
void cmd_send_file(const options& o, const std::string& to, const std::string& path,
                   std::string content_type) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    fail(2, path + ": no such file");
  auto creds = load_credentials();
  auto server = server_of(o);
  auto peer = lookup_user(server, creds, to);
  if (content_type.empty())
    content_type = content_type_of(path);
  auto up = expect(upload_file(server, "/v1/media", path, content_type,
                               creds["token"].get<std::string>()),
                   201);
  json body{{"type", "media"},
            {"media_id", up["media_id"]},
            {"size", up["size"]},
            {"sha256", up["sha256"]},
            {"content_type", content_type},
            {"name", fs::path{path}.filename().string()}};
  auto ack = send_and_confirm(server, creds, peer, body.dump(),
                              {up["media_id"].get<std::string>()});
  json shown = ack;
  shown["media"] = body;
  print(o, shown,
        "sent " + fs::path{path}.filename().string() + " to " + to + " ("
          + std::to_string(up.value("size", 0)) + " bytes, media "
          + up.value("media_id", "") + ", " + ack_summary(ack) + ")");
}

// Downloads next to `out` and moves it into place only once its SHA-256
// matches the server's ETag (and `expected`, from the message, if given).
void cmd_fetch(const options& o, const std::string& media_id, const std::string& out,
               const std::string& expected) {
  auto creds = load_credentials();
  auto server = server_of(o);
  auto part = out + ".part";
  auto r = download_file(server, "/v1/media/" + media_id, part,
                         creds["token"].get<std::string>());
  if (r.status != 200)
    expect({r.status, r.error_body}, 200);
  auto want = expected.empty() ? r.etag : expected;
  if (r.sha256 != want || (!expected.empty() && r.etag != expected)) {
    fs::remove(part);
    fail(1, "sha256 mismatch: got " + r.sha256 + ", expected " + want
              + " (the download was discarded)");
  }
  fs::rename(part, out);
  print(o, json{{"media_id", media_id}, {"file", out}, {"size", r.size}, {"sha256", r.sha256}},
        "saved " + out + " (" + std::to_string(r.size) + " bytes, sha256 " + r.sha256
          + " verified)");
}

} // namespace parley::cli
