// parley: the command-line client. `parley --help` lists the commands.
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/cli/common.hpp"

using namespace parley::cli;

int main(int argc, char** argv) {
  options o;
  CLI::App app{"parley: command-line client for a Parley server"};
  app.set_version_flag("--version", "parley " PARLEY_VERSION);
  app.require_subcommand(1);
  app.fallthrough(); // --server and --json may also follow the command
  app.add_option("--server", o.server, "server URL: http://HOST:PORT or https://HOST[:PORT]")
    ->envname("PARLEY_SERVER")
    ->capture_default_str();
  app.add_option("--ca-file", o.ca_file,
                 "PEM CA certificate(s) to verify an https:// server with (default: the "
                 "system's)")
    ->envname("PARLEY_CA_FILE");
  app.add_flag("--json", o.json_output, "print JSON, one object per line");

  std::string username, password, device_name, peer, text;
  int count = 0, timeout_s = 0, limit = 50;

  auto* reg = app.add_subcommand("register", "create an account");
  reg->add_option("username", username)->required();
  reg->add_option("password", password,
                  "avoid: visible to other local users in the process list; leave it out "
                  "to be prompted (no echo), or set $PARLEY_PASSWORD");
  reg->add_option("--password", password, "as visible as the argument: prefer the prompt");

  auto* login = app.add_subcommand("login", "log in as a new device");
  login->add_option("username", username)->required();
  login->add_option("password", password,
                    "avoid: visible to other local users in the process list; leave it out "
                    "to be prompted (no echo), or set $PARLEY_PASSWORD");
  login->add_option("--password", password, "as visible as the argument: prefer the prompt");
  login->add_option("--device-name", device_name, "a name for this device");

  bool plaintext = false;
  auto* send = app.add_subcommand("send", "send a message to a user, end-to-end encrypted");
  send->add_option("user", peer)->required();
  send->add_option("text", text)->required();
  send->add_flag("--plaintext", plaintext, "send it unencrypted (the server can read it)");

  std::string conversation;
  auto* send_group = app.add_subcommand("send-group", "send an encrypted message to a group");
  send_group->add_option("conversation_id", conversation)->required();
  send_group->add_option("text", text)->required();

  std::string file_path, content_type, media_id, output;
  fetch_keys keys;
  auto* send_file =
    app.add_subcommand("send-file", "encrypt a file, upload it and send it to a user");
  send_file->add_option("user", peer)->required();
  send_file->add_option("path", file_path)->required();
  send_file->add_option("--content-type", content_type,
                        "MIME type (default: from the file's extension)");
  send_file->add_flag("--plaintext", plaintext, "upload and send it unencrypted");

  auto* fetch = app.add_subcommand("fetch", "download a file, verify and decrypt it");
  fetch->add_option("media_id", media_id)->required();
  fetch->add_option("-o,--output", output, "where to save it")->required();
  fetch->add_option("--key", keys.key, "the media key (B64); default: from this device's history");
  fetch->add_option("--sha256", keys.sha256, "the upload's SHA-256 the message announced");
  fetch->add_flag("--raw", keys.raw, "save the stored bytes, checked against the SHA-256 only");

  auto* listen = app.add_subcommand("listen", "print messages and receipts as they arrive");
  listen->add_option("--count", count, "exit after this many messages");
  listen->add_option("--timeout", timeout_s, "exit after this many seconds");

  auto* history = app.add_subcommand("history", "show the messages exchanged with a user");
  history->add_option("user", peer)->required();
  history->add_option("--limit", limit, "at most this many (1-200)")
    ->check(CLI::Range(1, 200));

  auto* safety = app.add_subcommand("safety-number", "the safety number with a user");
  safety->add_option("user", peer)->required();
  auto* devices = app.add_subcommand("devices", "a user's devices and their fingerprints");
  devices->add_option("user", peer)->required();

  auto* logout =
    app.add_subcommand("logout", "revoke this device's token and delete its keys and history");

  std::string vectors_path;
  auto* vectors = app.add_subcommand(
    "e2e-vectors", "recompute every value of an E2E test-vector file: PASS/FAIL per value");
  vectors->add_option("file", vectors_path)->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*reg)
      cmd_register(o, username, password);
    else if (*login)
      cmd_login(o, username, password, device_name);
    else if (*send)
      cmd_send(o, peer, text, plaintext);
    else if (*send_group)
      cmd_send_group(o, conversation, text);
    else if (*send_file)
      cmd_send_file(o, peer, file_path, content_type, plaintext);
    else if (*fetch)
      cmd_fetch(o, media_id, output, keys);
    else if (*safety)
      cmd_safety_number(o, peer);
    else if (*devices)
      cmd_devices(o, peer);
    else if (*listen)
      cmd_listen(o, count, timeout_s);
    else if (*history)
      cmd_history(o, peer, limit);
    else if (*logout)
      cmd_logout(o);
    else if (*vectors)
      return cmd_e2e_vectors(vectors_path);
  } catch (const cli_failure& f) {
    std::cerr << "parley: " << f.reason << std::endl;
    return f.code;
  } catch (const client_error& e) {
    std::cerr << "parley: " << e.what() << std::endl;
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "parley: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}

