#include "formats/huggingface_store.h"

#include <filesystem>
#include <map>
#include <set>

#include "core/fail.h"
#include "formats/load_error.h"
#include "formats/mapped_weight_store.h"
#include "formats/model_config.h"
#include "formats/safetensors.h"

namespace verbatim {
namespace {

namespace fs = std::filesystem;

void AddSafetensors(MappedWeightStore& store, const std::shared_ptr<MappedFile>& file) {
  for (NamedTensor& named : ReadSafetensors(file))
    store.Add(named.name, TensorSource::Stored(std::move(named.tensor)));
}

/** weight_map of model.safetensors.index.json, grouped by shard file: shard → the tensors it should hold. */
std::map<std::string, std::vector<std::string>> ReadShardIndex(const std::string& index_path) {
  const JsonValue index = ReadJsonFile(index_path);
  const JsonValue* weight_map = index.Find("weight_map");
  if (weight_map == nullptr || !weight_map->is_object()) {
    FailLoading(index_path, "no \"weight_map\" object");
  }
  std::map<std::string, std::vector<std::string>> shards;
  for (const JsonValue::Member& entry : weight_map->AsObject()) {
    if (!entry.second.is_string() || entry.second.AsString().empty() ||
        entry.second.AsString().find('/') != std::string::npos) {
      FailLoading(index_path, "the shard of ", entry.first, " must be a file name in the model directory");
    }
    shards[entry.second.AsString()].push_back(entry.first);
  }
  return shards;
}

void AddShards(MappedWeightStore& store, const fs::path& directory) {
  const std::string index_path = (directory / kHuggingFaceIndexFile).string();
  for (const auto& [shard, names] : ReadShardIndex(index_path)) {
    const fs::path shard_path = directory / shard;
    if (!fs::is_regular_file(shard_path)) {
      Fail(ErrorCode::kModelLoad, "WeightStore", "missing shard ", shard, " (it should hold ", names.front(),
           names.size() > 1 ? " and others" : "", "): ", shard_path.string(), " does not exist");
    }
    const std::shared_ptr<MappedFile> file = MappedFile::Open(shard_path.string());
    AddSafetensors(store, file);
    for (const std::string& name : names) {
      if (!store.Has(name)) {
        FailLoading(index_path, "lists ", name, " in ", shard, " but that shard does not hold it");
      }
    }
  }
}

}  // namespace

std::unique_ptr<WeightStore> OpenHuggingFaceStore(const std::string& directory,
                                                  const JsonValue& config,
                                                  const std::string& config_path) {
  auto store = std::make_unique<MappedWeightStore>(ModelFormat::kHuggingFaceSafetensors, directory,
                                                   ReadHuggingFaceConfig(config, config_path));
  const fs::path root(directory);
  if (fs::exists(root / kHuggingFaceIndexFile)) {
    AddShards(*store, root);
  } else {
    AddSafetensors(*store, MappedFile::Open((root / kHuggingFaceWeightsFile).string()));
  }
  return store;
}

}  // namespace verbatim
