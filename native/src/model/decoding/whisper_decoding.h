// Model::Decode and Model::DetectLanguage for a batch of encoded windows: the parameters checked, languages
// detected where asked, start sequences built, then decoding passes at each temperature of the fallback
// list for the windows still failing the thresholds.
#pragma once

#include <vector>

#include "backend/backend.h"
#include "backend/cpu/thread_pool.h"
#include "model/decoding/compression_ratio.h"
#include "model/whisper_weights.h"
#include "tensor/tensor.h"
#include "verbatim/engine.h"

namespace verbatim {

/**
 * @throws Error kInvalidArg naming the first parameter out of range for this model and n_windows windows.
 * @param has_token_bytes whether compression ratios can be computed (a fallback on them needs them).
 */
void CheckDecodeParams(const DecodeParams& params,
                       const ModelDims& dims,
                       const SpecialTokens& special,
                       int n_windows,
                       bool has_token_bytes);

/**
 * Decodes every window of `frames` ([n_windows, n_audio_ctx, d] on the backend) with checked `params`.
 * @param token_bytes for the compression ratio; nullptr: ratios are NaN.
 * @param row_threads where a step's rows may be worked on in parallel (see PassSettings); nullptr: in turn.
 */
std::vector<DecodeResult> DecodeWindows(Backend& backend,
                                        const WhisperWeights& weights,
                                        const Tensor& frames,
                                        const SpecialTokens& special,
                                        const DecodeParams& params,
                                        const TokenBytes* token_bytes,
                                        ThreadPool* row_threads = nullptr);

/** The language probabilities of every window of `frames` (multilingual models). */
std::vector<std::vector<float>> DetectWindowLanguages(Backend& backend,
                                                      const WhisperWeights& weights,
                                                      const Tensor& frames,
                                                      const SpecialTokens& special);

}  // namespace verbatim
