// A whole file mapped read-only into memory: weights are read where the page cache holds them, never copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace verbatim {

class MappedFile {
 public:
  /**
   * Maps the file at `path` (MAP_PRIVATE, PROT_READ) and asks the kernel to read it ahead, since a model
   * reads every byte of its weights. An empty file maps to data() == nullptr, size() == 0.
   * @throws Error kModelLoad "[MappedFile] cannot open PATH: <errno text>" (or stat / mmap).
   */
  static std::shared_ptr<MappedFile> Open(const std::string& path);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return path_; }
  /** The file's bytes. Read-only: writing through this pointer faults (SIGSEGV). */
  const uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }

  /** Whether [offset, offset + n_bytes) lies inside the file (overflow-safe). */
  bool Contains(uint64_t offset, uint64_t n_bytes) const {
    return offset <= size_ && n_bytes <= size_ - offset;
  }

  /**
   * Tells the kernel that [offset, offset + n_bytes) will not be read again (its bytes were copied), so the
   * whole pages inside it stop counting towards resident memory. Reading them later is still correct (they
   * are paged in again). Thread-safe.
   */
  void Release(std::size_t offset, std::size_t n_bytes) const;

 private:
  MappedFile(std::string path, const uint8_t* data, std::size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}

  std::string path_;
  const uint8_t* data_;
  std::size_t size_;
};

}  // namespace verbatim
