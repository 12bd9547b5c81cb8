// RunWhisperEncoder's batch slices: a batch encoded in slices equals the batch encoded at once, whatever the
// slice size, and the default slice follows the activation budget.
#include "model/whisper_encoder.h"

#include <gtest/gtest.h>

#include <vector>

#include "backend/create_backend.h"
#include "model/in_memory_weight_store.h"
#include "model/whisper_weights.h"

namespace verbatim {
namespace {

using testing::InMemoryWeightStore;
using testing::RandomFloats;
using testing::RelativeL2;

std::vector<float> Encode(Backend& backend,
                          const WhisperWeights& weights,
                          const std::vector<float>& mel,
                          int n_batch,
                          int max_slice_windows) {
  Tensor device_mel = backend.Allocate({n_batch, 80, 3000});
  backend.Upload(mel.data(), device_mel);
  const Tensor frames = RunWhisperEncoder(backend, weights, device_mel, max_slice_windows);
  EXPECT_EQ(frames.shape(), (std::vector<int64_t>{n_batch, 1500, 384}));
  std::vector<float> out(static_cast<std::size_t>(n_batch) * 1500 * 384);
  backend.Download(frames, out.data());
  return out;
}

TEST(WhisperEncoder, SlicesOfTheBatchGiveWhatTheWholeBatchGives) {
  ModelDims dims;
  dims.n_audio_layer = 2;
  dims.n_text_layer = 1;
  auto store = InMemoryWeightStore::RandomWhisper(dims, 41);
  BackendChoice choice = CreateBackend("cpu", 2);
  const WhisperWeights weights = LoadWhisperWeights(*store, *choice.backend);
  const int n_batch = 5;
  const std::vector<float> mel = RandomFloats(static_cast<std::size_t>(n_batch) * 80 * 3000, 42, -1.0f, 1.5f);
  const std::vector<float> whole = Encode(*choice.backend, weights, mel, n_batch, n_batch);
  for (int slice : {1, 2, 3, 4}) {  // 5 windows as 5×1, 3+2, 3+2, 3+2 (equal slices, never 4+1)
    EXPECT_LE(RelativeL2(Encode(*choice.backend, weights, mel, n_batch, slice), whole), 1e-6)
        << "slice " << slice;
  }
}

TEST(WhisperEncoder, TheDefaultSliceFollowsTheActivationBudget) {
  ModelDims tiny;  // d 384: 51 windows of 9 activations [1500, 384] f32 in 1 GiB
  EXPECT_EQ(EncoderSliceWindows(tiny), 51);
  ModelDims large = tiny;
  large.n_audio_state = 1280;  // large-v3's width: 15
  EXPECT_EQ(EncoderSliceWindows(large), 15);
  large.n_audio_state = 1 << 20;  // absurdly wide: still one window at a time
  EXPECT_EQ(EncoderSliceWindows(large), 1);
  // A lean GPU's 256 MiB: 12 tiny windows, 3 of large-v3's.
  EXPECT_EQ(EncoderSliceWindows(tiny, int64_t{256} << 20), 12);
  large.n_audio_state = 1280;
  EXPECT_EQ(EncoderSliceWindows(large, int64_t{256} << 20), 3);
}

}  // namespace
}  // namespace verbatim
