#include "formats/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/fail.h"

namespace verbatim {
namespace {

/** Closes a descriptor when the scope ends: the mapping outlives it. */
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

[[noreturn]] void FailWithErrno(const char* what, const std::string& path) {
  Fail(ErrorCode::kModelLoad, "MappedFile", what, ' ', path, ": ", std::strerror(errno));
}

}  // namespace

std::shared_ptr<MappedFile> MappedFile::Open(const std::string& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0)
    FailWithErrno("cannot open", path);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0)
    FailWithErrno("cannot stat", path);
  if (!S_ISREG(info.st_mode))
    Fail(ErrorCode::kModelLoad, "MappedFile", "not a regular file: ", path);

  const auto size = static_cast<std::size_t>(info.st_size);
  if (size == 0)
    return std::shared_ptr<MappedFile>(new MappedFile(path, nullptr, 0));
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (data == MAP_FAILED)
    FailWithErrno("cannot map", path);
  // Loading reads every tensor; starting the read-ahead now overlaps disk reads with parsing. Advice only.
  ::madvise(data, size, MADV_WILLNEED);
  return std::shared_ptr<MappedFile>(new MappedFile(path, static_cast<const uint8_t*>(data), size));
}

MappedFile::~MappedFile() {
  if (data_ != nullptr)
    ::munmap(const_cast<uint8_t*>(data_), size_);
}

void MappedFile::Release(std::size_t offset, std::size_t n_bytes) const {
  if (data_ == nullptr || !Contains(offset, n_bytes))
    return;
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  // Only pages wholly inside the range: a neighbouring tensor may still be viewed in place.
  const std::size_t first = (offset + page - 1) / page * page;
  const std::size_t end = (offset + n_bytes) / page * page;
  if (end <= first)
    return;
  ::madvise(const_cast<uint8_t*>(data_) + first, end - first, MADV_DONTNEED);
}

}  // namespace verbatim
