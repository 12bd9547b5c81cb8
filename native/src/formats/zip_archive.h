// The members of a zip archive read from its central directory, zip64 included: enough to map the arrays of
// an uncompressed .npz (np.savez, mx.savez) in place.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "formats/mapped_file.h"

namespace verbatim {

struct ZipMember {
  std::string name;
  /** Where the member's bytes start in the archive (after its local header) and how many there are. */
  uint64_t data_offset = 0;
  uint64_t size = 0;
};

/**
 * Lists the members of a mapped zip archive, each checked to be stored (not compressed), not encrypted and to
 * lie inside the file.
 * @throws Error kModelLoad "[WeightStore] PATH: …" (not a zip, truncated, compressed or encrypted member).
 */
std::vector<ZipMember> ReadStoredZipMembers(const MappedFile& file);

}  // namespace verbatim
