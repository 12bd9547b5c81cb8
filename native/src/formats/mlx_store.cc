#include "formats/mlx_store.h"

#include <filesystem>
#include <map>

#include "core/fail.h"
#include "formats/load_error.h"
#include "formats/mapped_weight_store.h"
#include "formats/model_config.h"
#include "formats/npy_array.h"
#include "formats/safetensors.h"
#include "formats/whisper_names.h"
#include "formats/zip_archive.h"

namespace verbatim {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kNpySuffix = ".npy";
constexpr char kEncoderPositions[] = "model.encoder.embed_positions.weight";

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

/** The arrays of an uncompressed .npz, named as np.savez / mx.savez name them (member name minus ".npy"). */
std::vector<NamedTensor> ReadNpz(const std::shared_ptr<MappedFile>& file) {
  std::vector<NamedTensor> tensors;
  for (const ZipMember& member : ReadStoredZipMembers(*file)) {
    std::string name = member.name;
    if (EndsWith(name, kNpySuffix))
      name.resize(name.size() - kNpySuffix.size());
    tensors.push_back({name, ReadNpyArray(file, member.data_offset, member.size, member.name)});
  }
  return tensors;
}

std::map<std::string, StoredTensor> ByHuggingFaceName(std::vector<NamedTensor> tensors,
                                                      const std::string& path) {
  std::map<std::string, StoredTensor> by_name;
  for (NamedTensor& named : tensors) {
    const std::string hf_name = OpenAiToHuggingFaceName(named.name);
    if (!by_name.emplace(hf_name, std::move(named.tensor)).second) {
      FailLoading(path, "two tensors map to ", hf_name);
    }
  }
  return by_name;
}

bool IsConvWeight(const std::string& hf_name) {
  return hf_name == "model.encoder.conv1.weight" || hf_name == "model.encoder.conv2.weight";
}

/** The module prefix of "X.weight" / "X.scales" / "X.biases", or "" for other names. */
std::string_view QuantizedModule(std::string_view hf_name) {
  for (std::string_view suffix : {".weight", ".scales", ".biases"}) {
    if (EndsWith(hf_name, suffix))
      return hf_name.substr(0, hf_name.size() - suffix.size());
  }
  return {};
}

/** Whether `module` is an MLX quantized layer: packed uint32 codes with scales and biases beside them. */
bool IsQuantizedModule(const std::map<std::string, StoredTensor>& tensors, std::string_view module) {
  if (module.empty())
    return false;
  const std::string prefix(module);
  const auto weight = tensors.find(prefix + ".weight");
  return weight != tensors.end() && weight->second.type == StoredType::kU32 &&
         tensors.count(prefix + ".scales") != 0 && tensors.count(prefix + ".biases") != 0;
}

void AddTensors(MappedWeightStore& store,
                const std::map<std::string, StoredTensor>& tensors,
                AffineQuantization quantization,
                const std::string& config_path) {
  for (const auto& [hf_name, tensor] : tensors) {
    const std::string_view module = QuantizedModule(hf_name);
    if (!IsQuantizedModule(tensors, module)) {
      store.Add(hf_name, IsConvWeight(hf_name) ? TensorSource::MlxConv(hf_name, tensor)
                                               : TensorSource::Stored(tensor));
      continue;
    }
    if (!EndsWith(hf_name, ".weight"))
      continue;  // scales and biases join their weight
    if (!quantization.enabled()) {
      Fail(ErrorCode::kModelLoad, "WeightStore", hf_name,
           " is quantized (uint32 codes with scales and biases) but ", config_path,
           " has no \"quantization\": {\"group_size\", \"bits\"}");
    }
    const std::string prefix(module);
    store.Add(hf_name, TensorSource::AffineQuantized(hf_name, tensor, tensors.at(prefix + ".scales"),
                                                     tensors.at(prefix + ".biases"), quantization));
  }
}

}  // namespace

std::unique_ptr<WeightStore> OpenMlxStore(const std::string& directory,
                                          const JsonValue& config,
                                          const std::string& config_path) {
  const MlxConfig mlx_config = ReadMlxConfig(config, config_path);
  const fs::path root(directory);
  const fs::path safetensors_path = root / kMlxSafetensorsFile;
  const bool is_safetensors = fs::exists(safetensors_path);
  const std::shared_ptr<MappedFile> file =
      MappedFile::Open((is_safetensors ? safetensors_path : root / kMlxNpzFile).string());
  const std::map<std::string, StoredTensor> tensors =
      ByHuggingFaceName(is_safetensors ? ReadSafetensors(file) : ReadNpz(file), file->path());

  auto store = std::make_unique<MappedWeightStore>(
      is_safetensors ? ModelFormat::kMlxSafetensors : ModelFormat::kMlxNpz, directory, mlx_config.dims);
  AddTensors(*store, tensors, mlx_config.quantization, config_path);
  if (!store->Has(kEncoderPositions)) {
    // mlx_whisper computes the table at load and never saves it.
    store->Add(kEncoderPositions,
               TensorSource::Sinusoids(mlx_config.dims.n_audio_ctx, mlx_config.dims.n_audio_state));
  }
  return store;
}

}  // namespace verbatim
