#include "formats/weight_store.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/fail.h"
#include "formats/ggml_store.h"
#include "formats/huggingface_store.h"
#include "formats/json.h"
#include "formats/mlx_store.h"
#include "formats/model_config.h"

namespace verbatim {
namespace {

namespace fs = std::filesystem;

constexpr char kConfigFile[] = "config.json";

bool HasAnyWeightsFile(const fs::path& directory) {
  for (const char* name :
       {kHuggingFaceIndexFile, kHuggingFaceWeightsFile, kMlxSafetensorsFile, kMlxNpzFile}) {
    if (fs::exists(directory / name))
      return true;
  }
  return false;
}

std::unique_ptr<WeightStore> OpenDirectory(const std::string& path) {
  const fs::path directory(path);
  const fs::path config_path = directory / kConfigFile;
  if (!HasAnyWeightsFile(directory)) {
    Fail(ErrorCode::kModelLoad, "WeightStore", "not a model directory: ", path, " holds none of ",
         kHuggingFaceWeightsFile, ", ", kHuggingFaceIndexFile, ", ", kMlxSafetensorsFile, ", ", kMlxNpzFile);
  }
  if (!fs::exists(config_path)) {
    Fail(ErrorCode::kModelLoad, "WeightStore", "not a model directory: ", path, " has weights but no ",
         kConfigFile);
  }
  const JsonValue config = ReadJsonFile(config_path.string());
  // The two dialects of config.json tell the layouts apart: MLX keeps OpenAI's names throughout.
  if (IsOpenAiStyleConfig(config)) {
    if (!fs::exists(directory / kMlxSafetensorsFile) && !fs::exists(directory / kMlxNpzFile)) {
      Fail(ErrorCode::kModelLoad, "WeightStore", "not a model directory: ", path,
           " has an MLX config.json but neither ", kMlxSafetensorsFile, " nor ", kMlxNpzFile);
    }
    return OpenMlxStore(path, config, config_path.string());
  }
  if (!fs::exists(directory / kHuggingFaceWeightsFile) && !fs::exists(directory / kHuggingFaceIndexFile)) {
    Fail(ErrorCode::kModelLoad, "WeightStore", "not a model directory: ", path,
         " has a Hugging Face config.json but neither ", kHuggingFaceWeightsFile, " nor ",
         kHuggingFaceIndexFile);
  }
  return OpenHuggingFaceStore(path, config, config_path.string());
}

}  // namespace

std::unique_ptr<WeightStore> WeightStore::Open(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    Fail(ErrorCode::kModelLoad, "WeightStore", "cannot open model ", path, ": ", std::strerror(errno));
  }
  if (S_ISDIR(info.st_mode))
    return OpenDirectory(path);
  if (!S_ISREG(info.st_mode)) {
    Fail(ErrorCode::kModelLoad, "WeightStore", "not a model: ", path, " is neither a directory nor a file");
  }
  // A single file can only be a whisper.cpp model; GgmlWeightStore checks its magic.
  return GgmlWeightStore::Open(path);
}

}  // namespace verbatim
