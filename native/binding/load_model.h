// loadModel(path: string, threads: number) → Promise<Model>   [async]
//   Loads a model directory (Hugging Face or MLX community layout) or a whisper.cpp ggml file on a worker
//   thread. `threads`: compute threads, 0 = one per hardware thread. Throws E_INVALID_ARG at once for a wrong
//   argument; rejects with E_MODEL_LOAD naming the file or tensor, E_OOM.
#pragma once

#include <napi.h>

namespace verbatim::binding {

Napi::Value LoadModel(const Napi::CallbackInfo& info);

}  // namespace verbatim::binding
