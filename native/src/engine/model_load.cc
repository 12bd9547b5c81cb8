// Model::Load on its own: it alone needs the file readers (formats/), so code that builds models from other
// stores (the tests' in-memory one) links without them.
#include "core/fail.h"
#include "engine/whisper_model.h"
#include "formats/weight_store.h"

namespace verbatim {

std::unique_ptr<Model> Model::Load(const std::string& path, const ModelLoadParams& params) {
  if (params.n_threads < 0)
    Fail(ErrorCode::kInvalidArg, "Model::Load", "n_threads must be >= 0: ", params.n_threads);
  return CreateWhisperModel(WeightStore::Open(path), params);
}

}  // namespace verbatim
