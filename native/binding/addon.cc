#include "addon.h"

#include "decoder_session_wrap.h"
#include "encoder_output_wrap.h"
#include "model_wrap.h"

namespace verbatim::binding {

VerbatimAddon::VerbatimAddon(Napi::Env env, Napi::Object exports)
    : model_class(Napi::Persistent(ModelWrap::Define(env))),
      encoder_output_class(Napi::Persistent(EncoderOutputWrap::Define(env))),
      decoder_session_class(Napi::Persistent(DecoderSessionWrap::Define(env))) {
  DefineAddon(exports, {InstanceMethod<&VerbatimAddon::LoadModelMethod>("loadModel")});
}

}  // namespace verbatim::binding

// The macro pastes the class name into an identifier, so it takes an unqualified name.
using verbatim::binding::VerbatimAddon;
NODE_API_ADDON(VerbatimAddon)
