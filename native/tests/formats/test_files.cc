#include "formats/test_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace verbatim::testing {

namespace fs = std::filesystem;

::testing::AssertionResult ContainsText(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\n  text: " << text << "\n  lacks: " << part;
}

ScratchDir::ScratchDir() {
  std::string pattern = ::testing::TempDir() + "verbatim-formats-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::string ScratchDir::MakeSubdir(const std::string& name) const {
  fs::create_directories(Join(name));
  return Join(name);
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out)
    throw std::runtime_error("cannot write " + path);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void WriteTruncatedCopy(const std::string& from, const std::string& to, std::size_t n_bytes) {
  std::ifstream in(from, std::ios::binary);
  std::string bytes(n_bytes, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(n_bytes));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  WriteFile(to, bytes);
}

void Symlink(const std::string& target, const std::string& link) {
  fs::create_symlink(target, link);
}

namespace {

std::string ShapeJson(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i)
    text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

std::string ShapeTuple(const std::vector<int64_t>& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

template <typename T>
void Append(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

}  // namespace

std::string SafetensorsFile(const std::vector<TensorBytes>& tensors) {
  std::string header = "{\"__metadata__\":{\"format\":\"mlx\"}";
  std::string data;
  for (const TensorBytes& tensor : tensors) {
    header += ",\"" + tensor.name + "\":{\"dtype\":\"" + tensor.dtype +
              "\",\"shape\":" + ShapeJson(tensor.shape) + ",\"data_offsets\":[" +
              std::to_string(data.size()) + "," + std::to_string(data.size() + tensor.data.size()) + "]}";
    data += tensor.data;
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string file;
  Append<uint64_t>(file, header.size());
  return file + header + data;
}

std::string NpyArray(const TensorBytes& tensor, int version) {
  const std::size_t prefix_bytes = version == 1 ? 10 : 12;
  std::string text = "{'descr': '" + tensor.dtype +
                     "', 'fortran_order': False, 'shape': " + ShapeTuple(tensor.shape) + ", }";
  text.append((64 - (prefix_bytes + text.size() + 1) % 64) % 64, ' ');
  text += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(version);
  out += '\0';
  if (version == 1) {
    Append<uint16_t>(out, static_cast<uint16_t>(text.size()));
  } else {
    Append<uint32_t>(out, static_cast<uint32_t>(text.size()));
  }
  return out + text + tensor.data;
}

std::string NpzFile(const std::vector<TensorBytes>& tensors,
                    bool force_zip64,
                    uint16_t method,
                    int npy_version) {
  constexpr uint32_t kMarker = 0xFFFFFFFF;
  std::string archive;
  std::string directory;
  for (const TensorBytes& tensor : tensors) {
    const std::string member = NpyArray(tensor, npy_version);
    const std::string name = tensor.name + ".npy";
    const uint64_t offset = archive.size();
    // Local header; the CRC is left 0 (the loader does not check it; numpy would).
    Append<uint32_t>(archive, 0x04034B50);
    Append<uint16_t>(archive, 45);
    Append<uint16_t>(archive, 0);
    Append<uint16_t>(archive, method);
    Append<uint32_t>(archive, 0);  // time, date
    Append<uint32_t>(archive, 0);  // crc
    Append<uint32_t>(archive, static_cast<uint32_t>(member.size()));
    Append<uint32_t>(archive, static_cast<uint32_t>(member.size()));
    Append<uint16_t>(archive, static_cast<uint16_t>(name.size()));
    Append<uint16_t>(archive, 0);
    archive += name + member;

    std::string extra;
    if (force_zip64) {
      Append<uint16_t>(extra, 0x0001);
      Append<uint16_t>(extra, 24);
      Append<uint64_t>(extra, member.size());
      Append<uint64_t>(extra, member.size());
      Append<uint64_t>(extra, offset);
    }
    Append<uint32_t>(directory, 0x02014B50);
    Append<uint16_t>(directory, 45);
    Append<uint16_t>(directory, 45);
    Append<uint16_t>(directory, 0);
    Append<uint16_t>(directory, method);
    Append<uint32_t>(directory, 0);  // time, date
    Append<uint32_t>(directory, 0);  // crc
    Append<uint32_t>(directory, force_zip64 ? kMarker : static_cast<uint32_t>(member.size()));
    Append<uint32_t>(directory, force_zip64 ? kMarker : static_cast<uint32_t>(member.size()));
    Append<uint16_t>(directory, static_cast<uint16_t>(name.size()));
    Append<uint16_t>(directory, static_cast<uint16_t>(extra.size()));
    Append<uint16_t>(directory, 0);  // comment
    Append<uint16_t>(directory, 0);  // disk
    Append<uint16_t>(directory, 0);  // internal attributes
    Append<uint32_t>(directory, 0);  // external attributes
    Append<uint32_t>(directory, force_zip64 ? kMarker : static_cast<uint32_t>(offset));
    directory += name + extra;
  }
  const uint64_t directory_offset = archive.size();
  archive += directory;
  if (force_zip64) {
    const uint64_t record = archive.size();
    Append<uint32_t>(archive, 0x06064B50);
    Append<uint64_t>(archive, 44);
    Append<uint16_t>(archive, 45);
    Append<uint16_t>(archive, 45);
    Append<uint32_t>(archive, 0);
    Append<uint32_t>(archive, 0);
    Append<uint64_t>(archive, tensors.size());
    Append<uint64_t>(archive, tensors.size());
    Append<uint64_t>(archive, directory.size());
    Append<uint64_t>(archive, directory_offset);
    Append<uint32_t>(archive, 0x07064B50);
    Append<uint32_t>(archive, 0);
    Append<uint64_t>(archive, record);
    Append<uint32_t>(archive, 1);
  }
  Append<uint32_t>(archive, 0x06054B50);
  Append<uint32_t>(archive, 0);  // disk numbers
  Append<uint16_t>(archive, force_zip64 ? 0xFFFF : static_cast<uint16_t>(tensors.size()));
  Append<uint16_t>(archive, force_zip64 ? 0xFFFF : static_cast<uint16_t>(tensors.size()));
  Append<uint32_t>(archive, force_zip64 ? kMarker : static_cast<uint32_t>(directory.size()));
  Append<uint32_t>(archive, force_zip64 ? kMarker : static_cast<uint32_t>(directory_offset));
  Append<uint16_t>(archive, 0);  // comment
  return archive;
}

std::vector<uint32_t> PackCodes(const std::vector<uint32_t>& codes, int bits) {
  std::vector<uint32_t> words((codes.size() * bits + 31) / 32, 0);
  // Bit by bit, so the test does not share the loader's byte-window arithmetic.
  for (std::size_t e = 0; e < codes.size(); ++e) {
    for (int b = 0; b < bits; ++b) {
      const std::size_t position = e * bits + b;
      if ((codes[e] >> b) & 1u)
        words[position / 32] |= 1u << (position % 32);
    }
  }
  return words;
}

uint16_t ExactHalf(float value) {
  // Normal half values only: sign, 5-bit exponent (bias 15), 10-bit mantissa.
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  if (value == 0)
    return static_cast<uint16_t>(sign);
  const int exponent = static_cast<int>((bits >> 23) & 0xFF) - 127 + 15;
  if (exponent <= 0 || exponent >= 31 || (bits & 0x1FFFu) != 0)
    throw std::runtime_error("not an exact half");
  return static_cast<uint16_t>(sign | static_cast<uint32_t>(exponent) << 10 | ((bits >> 13) & 0x3FFu));
}

}  // namespace verbatim::testing
