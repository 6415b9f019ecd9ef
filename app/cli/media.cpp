// parley send-file and fetch: files encrypted before they leave and
// checked and decrypted after they arrive (E2E.md §10).
#include "app/cli/common.hpp"
#include "app/cli/e2e_context.hpp"
#include "wire/e2e/media.hpp"
#include "wire/e2e/plaintext.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

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

std::string read_whole(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    fail(2, "cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Writes `data` to `path` (created 0600), synced to disk.
void write_synced(const fs::path& path, const e2e::bytes& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    fail(1, "cannot write " + path.string());
  std::size_t done = 0;
  while (done < data.size()) {
    auto n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) {
      ::close(fd);
      fail(1, "cannot write " + path.string());
    }
    done += static_cast<std::size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced)
    fail(1, "cannot sync " + path.string());
}

// The old form: the file as it is, and a plain body describing it.
void send_file_plain(const options& o, const std::string& to, const std::string& path,
                     const std::string& content_type) {
  auto creds = load_credentials();
  auto server = server_of(o);
  auto peer = lookup_user(server, creds, to);
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
  shown["encrypted"] = false;
  print(o, shown,
        "sent " + fs::path{path}.filename().string() + " to " + to + " unencrypted ("
          + std::to_string(up.value("size", 0)) + " bytes, media " + up.value("media_id", "")
          + ", " + ack_summary(ack) + ")");
}

} // namespace

// Encrypts the file under a new media key (E2E.md §10), uploads only the
// ciphertext, and sends the key in a `media` plaintext to every device.
void cmd_send_file(const options& o, const std::string& to, const std::string& path,
                   std::string content_type, bool plain) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    fail(2, path + ": no such file");
  if (content_type.empty())
    content_type = content_type_of(path);
  if (plain)
    return send_file_plain(o, to, path, content_type);
  auto ctx = open_e2e(o);
  auto peer = lookup_user(ctx.server, ctx.creds, to);
  auto file = read_whole(path);
  e2e::media_ref media;
  media.key = e2e::random_bytes(32);
  media.size = file.size();
  media.content_type = content_type;
  media.name = fs::path{path}.filename().string();
  auto upload = e2e::media_encrypt(media.key, e2e::to_bytes(file));
  auto expected_sha = e2e::hex(e2e::sha256(upload));
  auto staged = config_dir() / ("upload-" + random_client_id() + ".tmp");
  write_synced(staged, upload);
  http_result r;
  try {
    r = upload_file(ctx.server, "/v1/media", staged.string(), "application/octet-stream",
                    ctx.creds["token"].get<std::string>());
  } catch (...) {
    fs::remove(staged);
    throw;
  }
  fs::remove(staged);
  auto up = expect(r, 201);
  media.media_id = up.value("media_id", "");
  media.sha256 = up.value("sha256", "");
  if (media.sha256 != expected_sha)
    fail(1, "the server stored other bytes than were uploaded (sha256 " + media.sha256
              + ", expected " + expected_sha + ")");
  send_target target{*parse_id(peer["user_id"].get<std::string>()), {}};
  auto sent = send_encrypted(ctx, target, e2e::media_plaintext(media), {media.media_id});
  ctx.store->transaction(
    [&] { ctx.store->save_media_key(media.media_id, {media.key, media.sha256, media.size}); });
  print_warnings(o, ctx);
  json shown = sent.ack;
  shown["encrypted"] = true;
  shown["devices"] = sent.devices;
  shown["media"] = {{"media_id", media.media_id}, {"size", media.size},
                    {"sha256", media.sha256},     {"content_type", media.content_type},
                    {"name", media.name}};
  print(o, shown,
        "sent " + media.name + " to " + to + " encrypted (" + std::to_string(media.size)
          + " bytes, media " + media.media_id + ", " + ack_summary(sent.ack) + ")");
}

namespace {

// Downloads into `part`; the stored bytes' SHA-256 as the server streamed them.
download_result download(const server_url& server, const json& creds,
                         const std::string& media_id, const std::string& part) {
  auto r = download_file(server, "/v1/media/" + media_id, part,
                         creds["token"].get<std::string>());
  if (r.status != 200)
    expect({r.status, r.error_body}, 200);
  return r;
}

void fetch_raw(const options& o, const json& creds, const std::string& media_id,
               const std::string& out, const std::string& expected) {
  auto server = server_of(o);
  auto part = out + ".part";
  auto r = download(server, creds, media_id, part);
  auto want = expected.empty() ? r.etag : expected;
  if (r.sha256 != want || (!expected.empty() && r.etag != expected)) {
    fs::remove(part);
    fail(1, "sha256 mismatch: got " + r.sha256 + ", expected " + want
              + " (the download was discarded)");
  }
  fs::rename(part, out);
  print(o, json{{"media_id", media_id}, {"file", out}, {"size", r.size}, {"sha256", r.sha256}},
        "saved " + out + " (" + std::to_string(r.size) + " bytes as stored, sha256 " + r.sha256
          + " verified)");
}

} // namespace

// Downloads, checks (SHA-256, MAC, size) and decrypts next to `out`, and
// moves it into place only once all of that passed.
void cmd_fetch(const options& o, const std::string& media_id, const std::string& out,
               const fetch_keys& given) {
  auto creds = load_credentials();
  if (given.raw)
    return fetch_raw(o, creds, media_id, out, given.sha256);
  e2e_client::state_store::media_secret secret;
  std::optional<std::uint64_t> size;
  if (!given.key.empty()) {
    auto key = e2e::from_b64(given.key, 32);
    if (!key)
      fail(2, "--key must be the B64 of 32 bytes");
    if (given.sha256.empty())
      fail(2, "--key needs --sha256 (the upload's SHA-256, from the message)");
    secret.key = std::move(*key);
    secret.sha256 = given.sha256;
  } else {
    std::optional<e2e_client::state_store::media_secret> stored;
    if (fs::exists(config_dir() / "state.db"))
      stored = refusals_as_failures(
        [&] { return e2e_client::state_store{config_dir()}.media_key(media_id); });
    if (!stored)
      fail(1, "no key for media " + media_id
                + " in this device's history: pass --key and --sha256, or --raw");
    secret = std::move(*stored);
    size = secret.size;
    if (!given.sha256.empty() && given.sha256 != secret.sha256)
      fail(1, "sha256 mismatch: the message announced " + secret.sha256);
  }
  auto server = server_of(o);
  auto part = fs::path{out + ".part"};
  auto r = download(server, creds, media_id, part.string());
  auto upload = e2e::to_bytes(read_whole(part.string()));
  auto opened = e2e::media_decrypt(secret.key, upload, secret.sha256, size);
  if (!opened.file) {
    fs::remove(part);
    fail(1, opened.error + ": the file failed its SHA-256, MAC or size check (discarded)");
  }
  write_synced(part, *opened.file);
  fs::rename(part, out);
  print(o,
        json{{"media_id", media_id}, {"file", out}, {"size", opened.file->size()},
             {"sha256", r.sha256}},
        "saved " + out + " (" + std::to_string(opened.file->size())
          + " bytes, decrypted; sha256 and MAC verified)");
}

} // namespace parley::cli
