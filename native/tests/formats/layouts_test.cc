// Every layout of the same seeded tiny model reads as the same tensors, in Hugging Face names and shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "formats/generated_models.h"
#include "formats/ggml_store.h"
#include "formats/half_float.h"
#include "formats/mapped_weight_store.h"
#include "formats/test_files.h"
#include "formats/weight_store.h"

namespace verbatim::testing {
namespace {

constexpr char kEncoderPositions[] = "model.encoder.embed_positions.weight";

const MappedWeightStore& AsMapped(const WeightStore& store) {
  return dynamic_cast<const MappedWeightStore&>(store);
}

/** Element i of a f32 / f16 / bf16 tensor as float. */
float ValueAt(const Tensor& tensor, int64_t i) {
  switch (tensor.dtype()) {
    case DType::kF32:
      return tensor.data<float>()[i];
    case DType::kF16:
      return HalfToFloat(tensor.data<uint16_t>()[i]);
    case DType::kBF16:
      return BFloat16ToFloat(tensor.data<uint16_t>()[i]);
  }
  return NAN;
}

/** Half an ulp of `reference` in the stored type: the most that rounding to it can change a value. */
float RoundingTolerance(DType dtype, float reference) {
  switch (dtype) {
    case DType::kF32:
      return 0;
    case DType::kF16:
      return std::max(std::abs(reference) * 0x1p-11f, 0x1p-25f);  // 10 mantissa bits; subnormals below 2^-14
    case DType::kBF16:
      return std::abs(reference) * 0x1p-8f;  // 7 mantissa bits
  }
  return 0;
}

struct LayoutCase {
  const char* label;
  std::string GeneratedModels::*path;
  ModelFormat format;
  DType weight_dtype;  // of the 2-D weights
};

const LayoutCase kLayoutCases[] = {
    {"hf_f16", &GeneratedModels::hf_f16, ModelFormat::kHuggingFaceSafetensors, DType::kF16},
    {"hf_sharded", &GeneratedModels::hf_sharded, ModelFormat::kHuggingFaceSafetensors, DType::kF32},
    {"mlx_safetensors", &GeneratedModels::mlx_safetensors, ModelFormat::kMlxSafetensors, DType::kF32},
    {"mlx_safetensors_bf16", &GeneratedModels::mlx_safetensors_bf16, ModelFormat::kMlxSafetensors,
     DType::kBF16},
    {"mlx_npz", &GeneratedModels::mlx_npz, ModelFormat::kMlxNpz, DType::kF32},
    {"ggml_f32", &GeneratedModels::ggml_f32, ModelFormat::kGgml, DType::kF32},
    {"ggml_f16", &GeneratedModels::ggml_f16, ModelFormat::kGgml, DType::kF16},
};

class LayoutTest : public ::testing::TestWithParam<LayoutCase> {
 protected:
  static void SetUpTestSuite() { reference_ = WeightStore::Open(Models().hf).release(); }
  static void TearDownTestSuite() {
    delete reference_;
    reference_ = nullptr;
  }
  static const WeightStore* reference_;
};

const WeightStore* LayoutTest::reference_ = nullptr;

TEST_P(LayoutTest, HasTheSameTensorsAsHuggingFace) {
  const auto store = WeightStore::Open(Models().*GetParam().path);
  EXPECT_EQ(store->format(), GetParam().format);
  EXPECT_EQ(AsMapped(*store).Names(), AsMapped(*reference_).Names());
  EXPECT_FALSE(store->Has("proj_out.weight"));  // tied to embed_tokens in every layout
}

TEST_P(LayoutTest, ReadsTinyDims) {
  const auto store = WeightStore::Open(Models().*GetParam().path);
  const ModelDims& dims = store->dims();
  const ModelDims expected = TinyDims();
  EXPECT_EQ(dims.n_mels, expected.n_mels);
  EXPECT_EQ(dims.n_audio_ctx, expected.n_audio_ctx);
  EXPECT_EQ(dims.n_audio_state, expected.n_audio_state);
  EXPECT_EQ(dims.n_audio_head, expected.n_audio_head);
  EXPECT_EQ(dims.n_audio_layer, expected.n_audio_layer);
  EXPECT_EQ(dims.n_vocab, expected.n_vocab);
  EXPECT_EQ(dims.n_text_ctx, expected.n_text_ctx);
  EXPECT_EQ(dims.n_text_state, expected.n_text_state);
  EXPECT_EQ(dims.n_text_head, expected.n_text_head);
  EXPECT_EQ(dims.n_text_layer, expected.n_text_layer);
}

// Every tensor, every element: equal to the Hugging Face f32 copy, or within the rounding of the stored type.
TEST_P(LayoutTest, EveryTensorEqualsHuggingFaceWithinStoredPrecision) {
  const auto store = WeightStore::Open(Models().*GetParam().path);
  for (const std::string& name : AsMapped(*reference_).Names()) {
    SCOPED_TRACE(name);
    const Tensor expected = reference_->Get(name, {});
    const Tensor actual = store->Get(name, expected.shape());
    ASSERT_EQ(actual.shape(), expected.shape());
    ASSERT_TRUE(actual.dtype() == DType::kF32 || actual.dtype() == GetParam().weight_dtype)
        << DTypeName(actual.dtype());
    if (name == kEncoderPositions && GetParam().format != ModelFormat::kGgml &&
        GetParam().format != ModelFormat::kHuggingFaceSafetensors) {
      ASSERT_EQ(actual.dtype(), DType::kF32) << "computed sinusoids are f32";
    }
    int64_t n_mismatches = 0;
    for (int64_t i = 0; i < expected.numel(); ++i) {
      const float reference = expected.data<float>()[i];
      if (std::abs(ValueAt(actual, i) - reference) > RoundingTolerance(actual.dtype(), reference))
        ++n_mismatches;
    }
    EXPECT_EQ(n_mismatches, 0);
  }
  // Later Gets return the same memory: conversions happen once.
  const Tensor first = store->Get("model.encoder.conv1.weight", {384, 80, 3});
  EXPECT_EQ(first.raw(), store->Get("model.encoder.conv1.weight", {384, 80, 3}).raw());
}

TEST_P(LayoutTest, CountsStoredAndCopiedBytes) {
  const auto store = WeightStore::Open(Models().*GetParam().path);
  EXPECT_EQ(store->copied_bytes(), 0u) << "nothing is converted before Get";
  std::size_t stored = 0;
  for (const std::string& name : AsMapped(*store).Names())
    stored += store->Get(name, {}).nbytes();
  if (GetParam().format == ModelFormat::kMlxSafetensors || GetParam().format == ModelFormat::kMlxNpz) {
    stored -= 1500 * 384 * sizeof(float);  // the computed sinusoids are not in the file
  }
  EXPECT_EQ(store->stored_bytes(), stored);
  if (GetParam().format == ModelFormat::kHuggingFaceSafetensors) {
    EXPECT_EQ(store->copied_bytes(), 0u) << "aligned safetensors data is viewed in place";
  } else {
    EXPECT_GT(store->copied_bytes(), 0u);
    EXPECT_LE(store->copied_bytes(), store->stored_bytes() + 1500 * 384 * sizeof(float));
  }
}

INSTANTIATE_TEST_SUITE_P(AllLayouts,
                         LayoutTest,
                         ::testing::ValuesIn(kLayoutCases),
                         [](const ::testing::TestParamInfo<LayoutCase>& info) {
                           return std::string(info.param.label);
                         });

TEST(HuggingFaceLayout, ViewsEveryTensorInPlace) {
  const auto store = WeightStore::Open(Models().hf);
  EXPECT_EQ(store->format(), ModelFormat::kHuggingFaceSafetensors);
  std::size_t total = 0;
  for (const std::string& name : AsMapped(*store).Names())
    total += store->Get(name, {}).nbytes();
  EXPECT_EQ(total, 151042560u);  // "total_size" of the sharded copy's index
  EXPECT_EQ(store->stored_bytes(), total);
  EXPECT_EQ(store->copied_bytes(), 0u);
}

TEST(HuggingFaceLayout, TensorsOutliveTheStore) {
  Tensor bias;
  {
    const auto store = WeightStore::Open(Models().hf);
    bias = store->Get("model.decoder.layer_norm.bias", {384});
  }
  float sum = 0;
  for (int64_t i = 0; i < bias.numel(); ++i)
    sum += bias.data<float>()[i];
  EXPECT_TRUE(std::isfinite(sum));
}

// MLX does not store the encoder's positions; the computed table must equal the one Hugging Face stores.
TEST(MlxLayout, SinusoidsMatchTheHuggingFaceTable) {
  const auto reference = WeightStore::Open(Models().hf);
  const auto store = WeightStore::Open(Models().mlx_safetensors);
  const Tensor expected = reference->Get(kEncoderPositions, {1500, 384});
  const Tensor computed = store->Get(kEncoderPositions, {1500, 384});
  ASSERT_EQ(computed.dtype(), DType::kF32);
  float max_difference = 0;
  int64_t n_different = 0;
  for (int64_t i = 0; i < expected.numel(); ++i) {
    const float difference = std::abs(computed.data<float>()[i] - expected.data<float>()[i]);
    max_difference = std::max(max_difference, difference);
    n_different += std::memcmp(&computed.data<float>()[i], &expected.data<float>()[i], sizeof(float)) != 0;
  }
  RecordProperty("sinusoid_max_abs_difference", std::to_string(max_difference));
  RecordProperty("sinusoid_elements_not_bit_equal", std::to_string(n_different));
  EXPECT_EQ(n_different, 0) << "max |difference| " << max_difference;
  EXPECT_LE(max_difference, 0x1p-24f);
}

TEST(MlxLayout, ConvWeightsAreTransposedToHuggingFaceOrder) {
  const auto store = WeightStore::Open(Models().mlx_safetensors);
  EXPECT_TRUE(store->Has("model.encoder.conv2.weight"));
  EXPECT_EQ(store->Get("model.encoder.conv2.weight", {}).shape(), (std::vector<int64_t>{384, 384, 3}));
  EXPECT_EQ(store->Get("model.encoder.conv1.weight", {}).shape(), (std::vector<int64_t>{384, 80, 3}));
  const std::size_t converted = (384 * 80 * 3 + 384 * 384 * 3 + 1500 * 384) * sizeof(float);
  EXPECT_EQ(store->copied_bytes(), (384 * 80 * 3 + 384 * 384 * 3) * sizeof(float));
  store->Get(kEncoderPositions, {});
  EXPECT_EQ(store->copied_bytes(), converted);
}

TEST(GgmlLayout, KeepsTheMelFilterbank) {
  const auto store = GgmlWeightStore::Open(Models().ggml_f16);
  EXPECT_EQ(store->ftype(), 1);
  const Tensor& filters = store->mel_filters();
  ASSERT_EQ(filters.shape(), (std::vector<int64_t>{80, 201}));
  const std::string expected = ReadFile(Models().mel_filters_80);
  ASSERT_EQ(expected.size(), 80u * 201u * sizeof(float));
  int64_t n_mismatches = 0;
  for (int64_t i = 0; i < filters.numel(); ++i) {
    float value;
    std::memcpy(&value, expected.data() + i * sizeof(float), sizeof value);
    n_mismatches +=
        filters.data<float>()[i] != value;  // −0.0 in the asset is +0.0 in the file: equal as floats
  }
  EXPECT_EQ(n_mismatches, 0);
}

TEST(GgmlLayout, ConvBiasesBecomeVectors) {
  const auto store = WeightStore::Open(Models().ggml_f32);
  EXPECT_EQ(store->Get("model.encoder.conv1.bias", {384}).shape(), (std::vector<int64_t>{384}));
  EXPECT_EQ(store->Get("model.encoder.conv2.weight", {384, 384, 3}).dtype(), DType::kF32);
}

}  // namespace
}  // namespace verbatim::testing
