// The engine's Model for Whisper on a compute backend: Model::Load's second half, after the files are open.
#pragma once

#include <memory>

#include "formats/weight_store.h"
#include "verbatim/engine.h"

namespace verbatim {

/**
 * Reads the weights of `store`'s architecture (checking every shape) onto a CPU backend of params.n_threads
 * threads and returns the model. Tests pass an in-memory store here.
 * @throws Error kModelLoad for missing or mis-shaped tensors and inconsistent dimensions; kInvalidArg for
 *   n_threads < 0.
 */
std::unique_ptr<Model> CreateWhisperModel(std::unique_ptr<WeightStore> store, const ModelLoadParams& params);

}  // namespace verbatim
