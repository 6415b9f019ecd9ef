#include "net/upload_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "wire/credentials.hpp"

namespace parley::net {

upload_file::upload_file(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  path_ = dir + "/" + credentials::random_hex(16) + ".part";
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0 && !(file_ = ::fdopen(fd, "wb")))
    ::close(fd);
}

upload_file::~upload_file() {
  close();
  if (!kept_)
    std::remove(path_.c_str());
}

bool upload_file::write(const char* data, std::size_t n) {
  sha_.update(data, n);
  size_ += n;
  return std::fwrite(data, 1, n, file_) == n;
}

std::optional<uploaded_file> upload_file::finish() {
  bool synced = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
  if (!close() || !synced)
    return std::nullopt;
  kept_ = true;
  return uploaded_file{path_, size_, sha_.hex_digest()};
}

bool upload_file::close() {
  if (!file_)
    return true;
  bool ok = std::fclose(file_) == 0;
  file_ = nullptr;
  return ok;
}

} // namespace parley::net
