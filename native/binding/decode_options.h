// Model.decode()'s options object and results, between JavaScript and verbatim::DecodeParams /
// DecodeResult. The TypeScript layer resolves every default and validates with the caller's names first;
// these reads are the backstop (E_INVALID_ARG "[decode] options.… must be …: got …"). Main thread only.
//
// options: { task: "transcribe" | "translate", timestamps: boolean, windows: Array<{ languageToken: number,
//   previousTokens: number[], hotwordTokens: number[], prefixTokens: number[] }>, maxNewTokens: number,
//   temperatures: number[], beamSize: number, patience: number, lengthPenalty: number | null, bestOf: number,
//   seed: number, suppressBlank: boolean, suppressTokens: number[], maxInitialTimestamp: number | null,
//   compressionRatioThreshold: number | null, logprobThreshold: number | null, noSpeechThreshold: number |
//   null }
// result: { tokens: Int32Array, sumLogprob, avgLogprob, noSpeechProb, compressionRatio, temperature,
//   languageToken, languageProbs: Float32Array | null, silent: boolean }
#pragma once

#include <napi.h>

#include <vector>

#include "verbatim/engine.h"

namespace verbatim::binding {

DecodeParams ReadDecodeParams(Napi::Env env, const Napi::Object& options);

Napi::Array DecodeResultsToJs(Napi::Env env, const std::vector<DecodeResult>& results);

/** The special token ids as JavaScript sees them in info().specialTokens. */
Napi::Object SpecialTokensToJs(Napi::Env env, const SpecialTokens& special);

}  // namespace verbatim::binding
