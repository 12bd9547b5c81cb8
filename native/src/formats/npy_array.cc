#include "formats/npy_array.h"

#include <cstring>
#include <optional>
#include <string_view>

#include "formats/little_endian.h"
#include "formats/load_error.h"
#include "tensor/tensor.h"

namespace verbatim {
namespace {

// numpy's format.py: "\x93NUMPY", major and minor version bytes, then the header length (u16 in 1.0, u32
// after).
constexpr char kMagic[] = "\x93NUMPY";
constexpr uint64_t kMagicBytes = 6;
constexpr uint64_t kVersion1PrefixBytes = 10;
constexpr uint64_t kVersion2PrefixBytes = 12;

template <typename... Parts>
[[noreturn]] void FailArray(const MappedFile& file, const std::string& what, Parts&&... parts) {
  FailLoading(file.path(), "", what, ": ", std::forward<Parts>(parts)...);
}

/** The three keys of the header's Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape':
 * (3, 4), }. */
struct NpyHeader {
  std::optional<std::string> descr;
  std::optional<bool> fortran_order;
  std::optional<std::vector<int64_t>> shape;
};

/** A reader for the small subset of Python literals numpy writes: strings, True/False, tuples of integers. */
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const MappedFile& file, const std::string& what)
      : text_(text), file_(file), what_(what) {}

  NpyHeader Parse() {
    NpyHeader header;
    Expect('{');
    while (!Accept('}')) {
      const std::string key = ReadString();
      Expect(':');
      if (key == "descr") {
        header.descr = ReadString();
      } else if (key == "fortran_order") {
        header.fortran_order = ReadBool();
      } else if (key == "shape") {
        header.shape = ReadTuple();
      } else {
        FailHere("one of the keys 'descr', 'fortran_order', 'shape'");
      }
      if (!Accept(',')) {
        Expect('}');
        break;
      }
    }
    return header;
  }

 private:
  [[noreturn]] void FailHere(const char* expected) const {
    FailArray(file_, what_, "bad .npy header at character ", position_, ": expected ", expected);
  }

  void SkipSpaces() {
    while (position_ < text_.size() && (text_[position_] == ' ' || text_[position_] == '\n'))
      ++position_;
  }

  bool Accept(char c) {
    SkipSpaces();
    if (position_ < text_.size() && text_[position_] == c) {
      ++position_;
      return true;
    }
    return false;
  }

  void Expect(char c) {
    if (!Accept(c)) {
      const char expected[] = {'\'', c, '\'', '\0'};
      FailHere(expected);
    }
  }

  std::string ReadString() {
    SkipSpaces();
    if (position_ >= text_.size() || (text_[position_] != '\'' && text_[position_] != '"'))
      FailHere("a string");
    const char quote = text_[position_++];
    const std::size_t end = text_.find(quote, position_);
    if (end == std::string_view::npos)
      FailHere("a closing quote");
    std::string value(text_.substr(position_, end - position_));
    position_ = end + 1;
    return value;
  }

  bool ReadBool() {
    SkipSpaces();
    for (const auto& [word, value] : {std::pair<std::string_view, bool>{"True", true}, {"False", false}}) {
      if (text_.substr(position_, word.size()) == word) {
        position_ += word.size();
        return value;
      }
    }
    FailHere("True or False");
  }

  std::vector<int64_t> ReadTuple() {
    Expect('(');
    std::vector<int64_t> dims;
    while (!Accept(')')) {
      SkipSpaces();
      int64_t dim = 0;
      bool any_digit = false;
      while (position_ < text_.size() && text_[position_] >= '0' && text_[position_] <= '9') {
        if (dim > (INT64_MAX - 9) / 10)
          FailHere("a dimension that fits in 64 bits");
        dim = dim * 10 + (text_[position_++] - '0');
        any_digit = true;
      }
      if (!any_digit)
        FailHere("a dimension");
      dims.push_back(dim);
      if (!Accept(',')) {
        Expect(')');
        break;
      }
    }
    return dims;
  }

  std::string_view text_;
  const MappedFile& file_;
  const std::string& what_;
  std::size_t position_ = 0;
};

struct NpyType {
  StoredType type;
  uint64_t element_size;
};

/** '<f4' and friends: byte order, kind, element size. Big-endian multi-byte types are kOther and unusable. */
std::optional<NpyType> ParseDescr(const std::string& descr) {
  if (descr.size() < 3)
    return std::nullopt;
  const char order = descr[0];
  const char kind = descr[1];
  uint64_t size = 0;
  for (std::size_t i = 2; i < descr.size(); ++i) {
    if (descr[i] < '0' || descr[i] > '9' || size > 1'000'000)
      return std::nullopt;
    size = size * 10 + static_cast<uint64_t>(descr[i] - '0');
  }
  if (size == 0 || (order != '<' && order != '|' && order != '=' && order != '>'))
    return std::nullopt;
  const bool little = order == '<' || order == '=' || (order == '|' && size == 1);
  StoredType type = StoredType::kOther;
  if (little && kind == 'f' && size == 4)
    type = StoredType::kF32;
  if (little && kind == 'f' && size == 2)
    type = StoredType::kF16;
  if (little && kind == 'u' && size == 4)
    type = StoredType::kU32;
  return NpyType{type, size};
}

}  // namespace

StoredTensor ReadNpyArray(const std::shared_ptr<MappedFile>& file,
                          uint64_t offset,
                          uint64_t size,
                          const std::string& what) {
  const uint8_t* bytes = file->data() + offset;
  if (size < kVersion1PrefixBytes || std::memcmp(bytes, kMagic, kMagicBytes) != 0)
    FailArray(*file, what, "not a .npy array");
  const uint8_t major = bytes[6];
  uint64_t prefix_bytes = kVersion1PrefixBytes;
  uint64_t header_bytes = ReadLittleEndian<uint16_t>(bytes + 8);
  if (major == 2 || major == 3) {
    if (size < kVersion2PrefixBytes)
      FailArray(*file, what, "truncated .npy header");
    prefix_bytes = kVersion2PrefixBytes;
    header_bytes = ReadLittleEndian<uint32_t>(bytes + 8);
  } else if (major != 1) {
    FailArray(*file, what, "unsupported .npy format version ", static_cast<int>(major));
  }
  if (header_bytes > size - prefix_bytes)
    FailArray(*file, what, "truncated .npy header");

  const std::string_view text(reinterpret_cast<const char*>(bytes + prefix_bytes), header_bytes);
  const NpyHeader header = HeaderParser(text, *file, what).Parse();
  if (!header.descr || !header.fortran_order || !header.shape) {
    FailArray(*file, what, "the .npy header lacks 'descr', 'fortran_order' or 'shape'");
  }
  const std::optional<NpyType> type = ParseDescr(*header.descr);
  if (!type)
    FailArray(*file, what, "unknown .npy dtype ", *header.descr);
  if (*header.fortran_order && header.shape->size() > 1) {
    FailArray(*file, what, "Fortran-order arrays are not supported (save with np.ascontiguousarray)");
  }

  StoredTensor tensor;
  tensor.file = file;
  tensor.type = type->type;
  tensor.type_name = *header.descr;
  tensor.shape = *header.shape;
  tensor.offset = offset + prefix_bytes + header_bytes;
  tensor.n_bytes = size - prefix_bytes - header_bytes;
  const std::optional<uint64_t> expected_bytes = CheckedByteSize(tensor.shape, type->element_size);
  if (!expected_bytes || *expected_bytes != tensor.n_bytes) {
    FailArray(*file, what, "shape ", ShapeString(tensor.shape), " of ", *header.descr, " needs ",
              expected_bytes.value_or(0), " bytes but the array holds ", tensor.n_bytes);
  }
  return tensor;
}

}  // namespace verbatim
