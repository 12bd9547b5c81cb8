#include "formats/zip_archive.h"

#include <algorithm>

#include "formats/little_endian.h"
#include "formats/load_error.h"

namespace verbatim {
namespace {

// Record signatures and fixed sizes from PKWARE's APPNOTE.TXT (sections 4.3.7, 4.3.12, 4.3.14–4.3.16).
constexpr uint32_t kLocalHeaderSignature = 0x04034B50;
constexpr uint32_t kCentralHeaderSignature = 0x02014B50;
constexpr uint32_t kEndOfCentralDirectorySignature = 0x06054B50;
constexpr uint32_t kZip64EndOfCentralDirectorySignature = 0x06064B50;
constexpr uint32_t kZip64LocatorSignature = 0x07064B50;
constexpr uint64_t kLocalHeaderBytes = 30;
constexpr uint64_t kCentralHeaderBytes = 46;
constexpr uint64_t kEndOfCentralDirectoryBytes = 22;
constexpr uint64_t kZip64EndOfCentralDirectoryBytes = 56;
constexpr uint64_t kZip64LocatorBytes = 20;
constexpr uint64_t kMaxCommentBytes = 0xFFFF;
constexpr uint16_t kZip64ExtraFieldId = 0x0001;
// A 32-bit field holding this value means "see the zip64 extra field".
constexpr uint32_t kZip64Marker = 0xFFFFFFFF;
constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kFlagEncrypted = 0x0001;

/** Bounds-checked little-endian reads from the archive. */
class ArchiveReader {
 public:
  explicit ArchiveReader(const MappedFile& file) : file_(file) {}

  template <typename T>
  T Read(uint64_t offset, const char* what) const {
    Require(offset, sizeof(T), what);
    return ReadLittleEndian<T>(file_.data() + offset);
  }

  void Require(uint64_t offset, uint64_t n_bytes, const char* what) const {
    if (!file_.Contains(offset, n_bytes)) {
      FailLoading(file_.path(), "truncated zip archive: ", what, " at byte ", offset, " needs ", n_bytes,
                  " bytes, the file has ", file_.size());
    }
  }

  std::string ReadString(uint64_t offset, uint64_t n_bytes, const char* what) const {
    Require(offset, n_bytes, what);
    return std::string(reinterpret_cast<const char*>(file_.data()) + offset, n_bytes);
  }

 private:
  const MappedFile& file_;
};

struct CentralDirectory {
  uint64_t n_entries = 0;
  uint64_t offset = 0;
};

/** The end-of-central-directory record is the last record, followed only by a comment of up to 64 KiB. */
uint64_t FindEndOfCentralDirectory(const MappedFile& file) {
  if (file.size() >= kEndOfCentralDirectoryBytes) {
    const uint64_t last = file.size() - kEndOfCentralDirectoryBytes;
    const uint64_t first = last > kMaxCommentBytes ? last - kMaxCommentBytes : 0;
    for (uint64_t offset = last + 1; offset-- > first;) {
      const uint8_t* record = file.data() + offset;
      if (ReadLittleEndian<uint32_t>(record) != kEndOfCentralDirectorySignature)
        continue;
      const uint16_t comment_bytes = ReadLittleEndian<uint16_t>(record + 20);
      if (offset + kEndOfCentralDirectoryBytes + comment_bytes == file.size())
        return offset;
    }
  }
  FailLoading(file.path(), "not a zip archive (no end of central directory record)");
}

CentralDirectory ReadCentralDirectoryLocation(const MappedFile& file) {
  const ArchiveReader reader(file);
  const uint64_t end = FindEndOfCentralDirectory(file);
  CentralDirectory directory;
  directory.n_entries = reader.Read<uint16_t>(end + 10, "end of central directory");
  directory.offset = reader.Read<uint32_t>(end + 16, "end of central directory");

  // Archives past 4 GiB or 65535 members (large models in f32) carry 64-bit values in a zip64 record.
  if (end >= kZip64LocatorBytes &&
      reader.Read<uint32_t>(end - kZip64LocatorBytes, "zip64 locator") == kZip64LocatorSignature) {
    const uint64_t record = reader.Read<uint64_t>(end - kZip64LocatorBytes + 8, "zip64 locator");
    reader.Require(record, kZip64EndOfCentralDirectoryBytes, "zip64 end of central directory");
    if (reader.Read<uint32_t>(record, "zip64 end of central directory") !=
        kZip64EndOfCentralDirectorySignature) {
      FailLoading(file.path(), "corrupt zip archive: no zip64 end of central directory at byte ", record);
    }
    directory.n_entries = reader.Read<uint64_t>(record + 32, "zip64 end of central directory");
    directory.offset = reader.Read<uint64_t>(record + 48, "zip64 end of central directory");
  }
  return directory;
}

struct MemberSizes {
  uint64_t uncompressed;
  uint64_t compressed;
  uint64_t local_header_offset;
};

/** Replaces the 32-bit fields marked 0xFFFFFFFF by the zip64 extra field's values, in APPNOTE's order. */
void ApplyZip64Extra(const ArchiveReader& reader,
                     uint64_t extra,
                     uint64_t extra_bytes,
                     MemberSizes& sizes,
                     const std::string& name,
                     const MappedFile& file) {
  const uint64_t extra_end = extra + extra_bytes;
  while (extra + 4 <= extra_end) {
    const uint16_t id = reader.Read<uint16_t>(extra, "extra field");
    const uint16_t field_bytes = reader.Read<uint16_t>(extra + 2, "extra field");
    uint64_t value = extra + 4;
    const uint64_t field_end = value + field_bytes;
    if (field_end > extra_end)
      FailLoading(file.path(), "corrupt zip archive: extra field of ", name, " overruns");
    if (id == kZip64ExtraFieldId) {
      for (uint64_t* size : {&sizes.uncompressed, &sizes.compressed, &sizes.local_header_offset}) {
        if (*size != kZip64Marker)
          continue;
        if (value + 8 > field_end)
          FailLoading(file.path(), "corrupt zip archive: zip64 extra field of ", name, " is short");
        *size = reader.Read<uint64_t>(value, "zip64 extra field");
        value += 8;
      }
      return;
    }
    extra = field_end;
  }
}

/** The member whose central header is at `offset`; sets `next` to the following header. */
ZipMember ReadMember(const ArchiveReader& reader, const MappedFile& file, uint64_t offset, uint64_t& next) {
  reader.Require(offset, kCentralHeaderBytes, "central directory header");
  if (reader.Read<uint32_t>(offset, "central directory header") != kCentralHeaderSignature) {
    FailLoading(file.path(), "corrupt zip archive: no central directory header at byte ", offset);
  }
  const uint16_t flags = reader.Read<uint16_t>(offset + 8, "central directory header");
  const uint16_t method = reader.Read<uint16_t>(offset + 10, "central directory header");
  MemberSizes sizes{reader.Read<uint32_t>(offset + 24, "central directory header"),
                    reader.Read<uint32_t>(offset + 20, "central directory header"),
                    reader.Read<uint32_t>(offset + 42, "central directory header")};
  const uint16_t name_bytes = reader.Read<uint16_t>(offset + 28, "central directory header");
  const uint16_t extra_bytes = reader.Read<uint16_t>(offset + 30, "central directory header");
  const uint16_t comment_bytes = reader.Read<uint16_t>(offset + 32, "central directory header");

  ZipMember member;
  member.name = reader.ReadString(offset + kCentralHeaderBytes, name_bytes, "member name");
  const uint64_t extra = offset + kCentralHeaderBytes + name_bytes;
  reader.Require(extra, extra_bytes, "extra field");
  ApplyZip64Extra(reader, extra, extra_bytes, sizes, member.name, file);
  next = extra + extra_bytes + comment_bytes;

  if (flags & kFlagEncrypted)
    FailLoading(file.path(), "member ", member.name, " is encrypted");
  if (method != kMethodStored || sizes.compressed != sizes.uncompressed) {
    FailLoading(file.path(), "member ", member.name, " is compressed (method ", method,
                "); only stored archives (np.savez, not np.savez_compressed) can be memory-mapped");
  }
  const uint64_t local = sizes.local_header_offset;
  reader.Require(local, kLocalHeaderBytes, "local file header");
  if (reader.Read<uint32_t>(local, "local file header") != kLocalHeaderSignature) {
    FailLoading(file.path(), "corrupt zip archive: no local header for ", member.name, " at byte ", local);
  }
  // The local header's own name and extra lengths may differ from the central directory's.
  member.data_offset = local + kLocalHeaderBytes + reader.Read<uint16_t>(local + 26, "local file header") +
                       reader.Read<uint16_t>(local + 28, "local file header");
  member.size = sizes.uncompressed;
  if (!file.Contains(member.data_offset, member.size)) {
    FailLoading(file.path(), "truncated zip archive: member ", member.name, " ends at byte ",
                member.data_offset + member.size, ", beyond the end of the file (", file.size(), " bytes)");
  }
  return member;
}

}  // namespace

std::vector<ZipMember> ReadStoredZipMembers(const MappedFile& file) {
  const ArchiveReader reader(file);
  const CentralDirectory directory = ReadCentralDirectoryLocation(file);
  std::vector<ZipMember> members;
  // Each entry takes at least 46 bytes, so a corrupt count cannot make us reserve more than the file holds.
  members.reserve(std::min<uint64_t>(directory.n_entries, file.size() / kCentralHeaderBytes));
  uint64_t offset = directory.offset;
  for (uint64_t i = 0; i < directory.n_entries; ++i)
    members.push_back(ReadMember(reader, file, offset, offset));
  return members;
}

}  // namespace verbatim
