#pragma once
// A request body on its way to disk (POST /v1/media), hashed as it goes.
// The file is created 0600 and synced to disk before it is handed over, so
// an upload answered 201 survives a crash; one never finished is removed.
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "net/http_types.hpp"
#include "wire/sha256.hpp"

namespace parley::net {

class upload_file {
public:
  explicit upload_file(const std::string& dir);
  ~upload_file();
  upload_file(const upload_file&) = delete;
  upload_file& operator=(const upload_file&) = delete;

  bool ok() const { return file_ != nullptr; }
  std::uint64_t size() const { return size_; }

  bool write(const char* data, std::size_t n);

  // Syncs and closes the file and hands it over (the caller then owns it
  // on disk); nullopt if the disk refused.
  std::optional<uploaded_file> finish();

private:
  bool close();

  std::string path_;
  std::FILE* file_ = nullptr;
  wire::sha256_hasher sha_;
  std::uint64_t size_ = 0;
  bool kept_ = false;
};

} // namespace parley::net
