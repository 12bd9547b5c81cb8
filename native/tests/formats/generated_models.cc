#include "formats/generated_models.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace verbatim::testing {
namespace {

namespace fs = std::filesystem;

const char* const kGeneratorSources[] = {
    "tools/reference/python/seeded_weights.py",
    "tools/reference/python/whisper_files.py",
    "tools/reference/python/whisper_layouts.py",
};

struct Layout {
  const char* directory;
  const char* arguments;
};

const Layout kLayouts[] = {
    {"hf", "--layout hf"},
    {"hf-f16", "--layout hf --dtype f16"},
    {"hf-sharded", "--layout hf-sharded"},
    {"mlx-safetensors", "--layout mlx-safetensors"},
    {"mlx-safetensors-bf16", "--layout mlx-safetensors --dtype bf16"},
    {"mlx-npz", "--layout mlx-npz"},
    {"ggml-f32", "--layout ggml-f32"},
    {"ggml-f16", "--layout ggml-f16"},
};

const char kMelFiltersFile[] = "mel_80.f32";
const char kCompleteMarker[] = "complete";

/** FNV-1a of the generator's sources: a new generator gets a new cache directory. */
std::string GeneratorHash(const std::string& repo_root) {
  uint64_t hash = 0xCBF29CE484222325ull;
  for (const char* source : kGeneratorSources) {
    std::ifstream in(repo_root + "/" + source, std::ios::binary);
    if (!in)
      throw std::runtime_error(std::string("cannot read the generator ") + source);
    for (char c; in.get(c);)
      hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001B3ull;
  }
  std::ostringstream text;
  text << std::hex << hash;
  return text.str();
}

/** A shell script running every generator in parallel (2 cores: about 4 s instead of 6). */
std::string GenerateScript(const std::string& repo_root, const std::string& out) {
  std::ostringstream script;
  script << "set -e\ncd '" << repo_root << "'\npids=''\n";
  for (const Layout& layout : kLayouts) {
    script << "python3 tools/reference/python/seeded_weights.py --arch tiny --seed 1234 " << layout.arguments
           << " --out '" << out << '/' << layout.directory << "' > '" << out << '/' << layout.directory
           << ".log' 2>&1 &\npids=\"$pids $!\"\n";
  }
  // The generator's own search for shared/assets: $VERBATIM_SHARED/assets, else ../shared/assets, else
  // shared/assets.
  script << "assets=\"${VERBATIM_SHARED:+$VERBATIM_SHARED/assets}\"\n"
         << "if [ -z \"$assets\" ]; then if [ -d ../shared/assets ]; then assets=../shared/assets; "
         << "else assets=shared/assets; fi; fi\n"
         << "python3 -c \"import numpy as np, sys; "
            "np.load(sys.argv[1])['mel_80'].astype('<f4').tofile(sys.argv[2])\" "
         << "\"$assets/whisper/mel_filters.npz\" '" << out << '/' << kMelFiltersFile << "'\n"
         << "for pid in $pids; do wait \"$pid\"; done\n";
  return script.str();
}

std::string GeneratorLogs(const std::string& out) {
  std::string logs;
  for (const Layout& layout : kLayouts) {
    std::ifstream in(out + "/" + layout.directory + ".log");
    std::ostringstream text;
    text << in.rdbuf();
    logs += std::string(layout.directory) + ": " + text.str() + "\n";
  }
  return logs;
}

/** Generates into a temporary sibling and renames it into place, so a half-written cache is never used. */
void Generate(const std::string& repo_root, const fs::path& cache) {
  const fs::path staging = cache.string() + ".partial";
  fs::remove_all(staging);
  fs::create_directories(staging);
  const fs::path script = staging / "generate.sh";
  std::ofstream(script) << GenerateScript(repo_root, staging.string());
  if (std::system(("sh '" + script.string() + "'").c_str()) != 0) {
    throw std::runtime_error("generating seeded weights failed:\n" + GeneratorLogs(staging.string()));
  }
  std::ofstream(staging / kCompleteMarker) << "ok\n";
  fs::rename(staging, cache);
}

/** Removes caches of earlier generator versions (they hold about 1 GB each). */
void RemoveStaleCaches(const fs::path& parent, const std::string& prefix, const fs::path& keep) {
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(parent, error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && entry.path() != keep) {
      fs::remove_all(entry.path(), error);
    }
  }
}

GeneratedModels GenerateOrReuse() {
  const std::string repo_root = VERBATIM_REPO_ROOT;
  const fs::path parent = ::testing::TempDir();
  const std::string prefix = "verbatim-formats-tiny-";
  const fs::path cache = parent / (prefix + GeneratorHash(repo_root));

  // Test processes run in parallel under ctest -j: one generates while the others wait on the lock.
  const std::string lock_path = (parent / "verbatim-formats-tiny.lock").string();
  const int lock = ::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0)
    throw std::runtime_error("cannot lock " + lock_path);
  try {
    if (!fs::exists(cache / kCompleteMarker)) {
      RemoveStaleCaches(parent, prefix, cache);
      Generate(repo_root, cache);
    }
  } catch (...) {
    ::close(lock);
    throw;
  }
  ::close(lock);

  const std::string root = cache.string() + "/";
  GeneratedModels models;
  models.hf = root + "hf";
  models.hf_f16 = root + "hf-f16";
  models.hf_sharded = root + "hf-sharded";
  models.mlx_safetensors = root + "mlx-safetensors";
  models.mlx_safetensors_bf16 = root + "mlx-safetensors-bf16";
  models.mlx_npz = root + "mlx-npz";
  models.ggml_f32 = root + "ggml-f32/ggml-model-f32.bin";
  models.ggml_f16 = root + "ggml-f16/ggml-model.bin";
  models.mel_filters_80 = root + kMelFiltersFile;
  return models;
}

}  // namespace

const GeneratedModels& Models() {
  static const GeneratedModels models = GenerateOrReuse();
  return models;
}

ModelDims TinyDims() {
  ModelDims dims;
  dims.n_mels = 80;
  dims.n_audio_ctx = 1500;
  dims.n_audio_state = 384;
  dims.n_audio_head = 6;
  dims.n_audio_layer = 4;
  dims.n_vocab = 51865;
  dims.n_text_ctx = 448;
  dims.n_text_state = 384;
  dims.n_text_head = 6;
  dims.n_text_layer = 4;
  return dims;
}

}  // namespace verbatim::testing
