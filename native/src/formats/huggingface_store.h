// Hugging Face layout: config.json + model.safetensors, or model.safetensors.index.json + its shards.
#pragma once

#include <memory>
#include <string>

#include "formats/json.h"
#include "formats/weight_store.h"

namespace verbatim {

/** File names of the layout, in the model directory. */
constexpr const char kHuggingFaceWeightsFile[] = "model.safetensors";
constexpr const char kHuggingFaceIndexFile[] = "model.safetensors.index.json";

/**
 * Opens a Hugging Face model directory whose config.json has been parsed. Tensor names are already Hugging
 * Face names; proj_out.weight is tied to model.decoder.embed_tokens.weight and not stored (Has reports
 * false).
 * @throws Error kModelLoad: bad config, bad or truncated safetensors, a shard that is missing ("missing shard
 *   FILE (holds NAME, …)") or lacks a tensor the index assigns to it.
 */
std::unique_ptr<WeightStore> OpenHuggingFaceStore(const std::string& directory,
                                                  const JsonValue& config,
                                                  const std::string& config_path);

}  // namespace verbatim
