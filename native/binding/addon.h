// The module: `loadModel` and the classes it hands out (Model, EncoderOutput, DecoderSession), kept per Node
// environment (worker threads each load their own instance). The surface is typed in
// packages/mlx-engine/src/internal/addon-types.ts.
#pragma once

#include <napi.h>

#include "load_model.h"

namespace verbatim::binding {

class VerbatimAddon : public Napi::Addon<VerbatimAddon> {
 public:
  VerbatimAddon(Napi::Env env, Napi::Object exports);

  static VerbatimAddon& Of(Napi::Env env) { return *env.GetInstanceData<VerbatimAddon>(); }

  Napi::FunctionReference model_class;
  Napi::FunctionReference encoder_output_class;
  Napi::FunctionReference decoder_session_class;

 private:
  Napi::Value LoadModelMethod(const Napi::CallbackInfo& info) { return LoadModel(info); }
};

}  // namespace verbatim::binding
