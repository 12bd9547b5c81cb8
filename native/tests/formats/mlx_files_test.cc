// MLX files written by hand: affine-quantized weights with known codes, conv layout, npz (zip64, .npy v2).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "formats/test_files.h"
#include "formats/weight_store.h"

namespace verbatim::testing {
namespace {

constexpr float kScale = 0.25f;  // exact in f16: dequantized values are exact too
constexpr float kBias = -1.5f;

/** config.json of a tiny-shaped MLX model, with "quantization" when bits > 0. */
std::string MlxConfig(int group_size = 0, int bits = 0) {
  std::string config = R"({"n_mels": 80, "n_audio_ctx": 1500, "n_audio_state": 384, "n_audio_head": 6,
    "n_audio_layer": 4, "n_vocab": 51865, "n_text_ctx": 448, "n_text_state": 384, "n_text_head": 6,
    "n_text_layer": 4, "model_type": "whisper")";
  if (bits > 0) {
    config += ", \"quantization\": {\"group_size\": " + std::to_string(group_size) +
              ", \"bits\": " + std::to_string(bits) + "}";
  }
  return config + "}";
}

std::string MlxDir(const ScratchDir& scratch,
                   const std::string& name,
                   const std::string& config,
                   const std::string& weights_file,
                   const std::string& weights) {
  const std::string directory = scratch.MakeSubdir(name);
  WriteFile(directory + "/config.json", config);
  WriteFile(directory + "/" + weights_file, weights);
  return directory;
}

/** Codes 0, 1, 2, … wrapping at 2^bits, so every code value and every bit position occurs. */
std::vector<uint32_t> CycleCodes(int64_t n, int bits) {
  std::vector<uint32_t> codes(n);
  for (int64_t i = 0; i < n; ++i)
    codes[i] = static_cast<uint32_t>((i * 7 + i / 3) % (1 << bits));
  return codes;
}

/** One quantized linear weight [rows, columns] with f16 scales and biases, per group: scale·(group+1), bias.
 */
std::vector<TensorBytes> QuantizedLinear(const std::string& module,
                                         const std::vector<uint32_t>& codes,
                                         int64_t rows,
                                         int64_t columns,
                                         int group_size,
                                         int bits) {
  const int64_t n_groups = rows * columns / group_size;
  std::vector<uint16_t> scales(n_groups), biases(n_groups);
  for (int64_t g = 0; g < n_groups; ++g) {
    scales[g] = ExactHalf(kScale * static_cast<float>(g % 4 + 1));
    biases[g] = ExactHalf(kBias);
  }
  const std::vector<int64_t> group_shape = {rows, columns / group_size};
  return {{module + ".weight", "U32", {rows, columns * bits / 32}, Bytes(PackCodes(codes, bits))},
          {module + ".scales", "F16", group_shape, Bytes(scales)},
          {module + ".biases", "F16", group_shape, Bytes(biases)}};
}

class AffineQuantizationTest : public ::testing::TestWithParam<int> {};

TEST_P(AffineQuantizationTest, DequantizesEveryCodeExactly) {
  const int bits = GetParam();
  constexpr int kGroupSize = 32;
  constexpr int64_t kRows = 3;
  constexpr int64_t kColumns = 64;
  const std::vector<uint32_t> codes = CycleCodes(kRows * kColumns, bits);
  std::vector<TensorBytes> tensors =
      QuantizedLinear("encoder.blocks.0.mlp1", codes, kRows, kColumns, kGroupSize, bits);
  tensors.push_back({"encoder.blocks.0.mlp1.bias", "F32", {3}, Bytes(std::vector<float>{1, 2, 3})});
  const ScratchDir scratch;
  const auto store = WeightStore::Open(
      MlxDir(scratch, "q", MlxConfig(kGroupSize, bits), "weights.safetensors", SafetensorsFile(tensors)));

  const std::string name = "model.encoder.layers.0.fc1.weight";
  ASSERT_TRUE(store->Has(name));
  EXPECT_FALSE(store->Has("model.encoder.layers.0.fc1.scales")) << "scales and biases join their weight";
  const Tensor weight = store->Get(name, {kRows, kColumns});
  ASSERT_EQ(weight.dtype(), DType::kF32);
  for (int64_t i = 0; i < kRows * kColumns; ++i) {
    const float scale = kScale * static_cast<float>((i / kGroupSize) % 4 + 1);
    ASSERT_EQ(weight.data<float>()[i], scale * static_cast<float>(codes[i]) + kBias) << "element " << i;
  }
  EXPECT_EQ(store->Get("model.encoder.layers.0.fc1.bias", {3}).data<float>()[2], 3.0f);
  EXPECT_EQ(store->copied_bytes(), static_cast<std::size_t>(kRows * kColumns * sizeof(float)));
  EXPECT_EQ(store->stored_bytes(), kRows * kColumns * bits / 8 + 2 * (kRows * 2 * 2) + 3 * sizeof(float));
}

INSTANTIATE_TEST_SUITE_P(Bits, AffineQuantizationTest, ::testing::Values(2, 3, 4, 5, 6, 8));

// The packing itself, from MLX's documentation and kernels rather than from our own packer: 4-bit codes fill
// each uint32 from its low bits; 3-bit codes run across bytes (8 codes in 3 bytes: 0xD1 0x58 0x1F for codes
// 1…7, 0).
TEST(AffineQuantization, MatchesMlxBitOrder) {
  const ScratchDir scratch;
  std::vector<uint16_t> one_scale(2, ExactHalf(1.0f)), zero_bias(2, ExactHalf(0.0f));
  const std::vector<uint32_t> four_bit_words = {0x76543210, 0xFEDCBA98, 0x01234567, 0x89ABCDEF};
  const auto four_bit = WeightStore::Open(MlxDir(
      scratch, "q4", MlxConfig(32, 4), "weights.safetensors",
      SafetensorsFile(
          {{"decoder.token_embedding.weight", "U32", {1, 8}, Bytes(four_bit_words) + Bytes(four_bit_words)},
           {"decoder.token_embedding.scales", "F16", {1, 2}, Bytes(one_scale)},
           {"decoder.token_embedding.biases", "F16", {1, 2}, Bytes(zero_bias)}})));
  const Tensor embedding = four_bit->Get("model.decoder.embed_tokens.weight", {1, 64});
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(embedding.data<float>()[i], static_cast<float>(i));
  EXPECT_EQ(embedding.data<float>()[16], 7.0f);

  std::string three_bit_bytes;
  for (int repeat = 0; repeat < 4; ++repeat)
    three_bit_bytes += "\xD1\x58\x1F";
  const auto three_bit = WeightStore::Open(MlxDir(
      scratch, "q3", MlxConfig(32, 3), "weights.safetensors",
      SafetensorsFile(
          {{"decoder.blocks.1.cross_attn.query.weight", "U32", {1, 3}, three_bit_bytes},
           {"decoder.blocks.1.cross_attn.query.scales", "F16", {1, 1}, Bytes(one_scale).substr(0, 2)},
           {"decoder.blocks.1.cross_attn.query.biases", "F16", {1, 1}, Bytes(zero_bias).substr(0, 2)}})));
  const Tensor query = three_bit->Get("model.decoder.layers.1.encoder_attn.q_proj.weight", {1, 32});
  const float expected[] = {1, 2, 3, 4, 5, 6, 7, 0};
  for (int i = 0; i < 32; ++i)
    EXPECT_EQ(query.data<float>()[i], expected[i % 8]) << "element " << i;
}

TEST(AffineQuantization, QuantizedWeightsNeedTheConfig) {
  const ScratchDir scratch;
  const std::string directory =
      MlxDir(scratch, "q", MlxConfig(), "weights.safetensors",
             SafetensorsFile(QuantizedLinear("decoder.blocks.0.mlp2", CycleCodes(64, 4), 1, 64, 32, 4)));
  try {
    WeightStore::Open(directory);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_TRUE(ContainsText(error.what(), "model.decoder.layers.0.fc2.weight is quantized"));
    EXPECT_TRUE(ContainsText(error.what(), "has no \"quantization\""));
  }
}

TEST(AffineQuantization, ScalesMustCoverEveryGroup) {
  const ScratchDir scratch;
  // 4-bit codes in groups of 64, but the config says groups of 32: scales [1, 1] where [1, 2] are needed.
  std::vector<TensorBytes> tensors =
      QuantizedLinear("decoder.blocks.0.mlp2", CycleCodes(64, 4), 1, 64, 64, 4);
  const std::string directory =
      MlxDir(scratch, "q", MlxConfig(32, 4), "weights.safetensors", SafetensorsFile(tensors));
  try {
    WeightStore::Open(directory);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kModelLoad);
    EXPECT_TRUE(ContainsText(error.what(),
                             "quantized model.decoder.layers.0.fc2.weight: 4-bit codes in groups of 32 "
                             "need scales and biases of shape [1, 2], found [1, 1] and [1, 1]"));
  }
}

/** conv1.weight [out 2, kernel 3, in 4] with value 100·o + 10·k + i. */
TensorBytes MlxConvWeight() {
  std::vector<float> values;
  for (int o = 0; o < 2; ++o) {
    for (int k = 0; k < 3; ++k) {
      for (int i = 0; i < 4; ++i)
        values.push_back(static_cast<float>(100 * o + 10 * k + i));
    }
  }
  return {"encoder.conv1.weight", "<f4", {2, 3, 4}, Bytes(values)};
}

void ExpectHuggingFaceConvOrder(const WeightStore& store) {
  const Tensor weight = store.Get("model.encoder.conv1.weight", {2, 4, 3});
  for (int o = 0; o < 2; ++o) {
    for (int i = 0; i < 4; ++i) {
      for (int k = 0; k < 3; ++k) {
        EXPECT_EQ(weight.data<float>()[(o * 4 + i) * 3 + k], static_cast<float>(100 * o + 10 * k + i));
      }
    }
  }
}

// np.savez past 4 GiB writes zip64 records; forced here on a small archive. Members in .npy versions 2 and 3
// (u32 header length), as numpy writes for huge headers or non-Latin-1 field names.
TEST(MlxNpz, ReadsZip64ArchivesWithNpyVersions2And3) {
  const ScratchDir scratch;
  const TensorBytes halves{"decoder.blocks.0.attn_ln.weight",
                           "<f2",
                           {2},
                           Bytes(std::vector<uint16_t>{ExactHalf(1.0f), ExactHalf(-0.5f)})};
  for (int npy_version : {2, 3}) {
    SCOPED_TRACE(npy_version);
    const std::string directory =
        MlxDir(scratch, "npz" + std::to_string(npy_version), MlxConfig(), "weights.npz",
               NpzFile({MlxConvWeight(), halves}, /*force_zip64=*/true, /*method=*/0, npy_version));
    const auto store = WeightStore::Open(directory);
    EXPECT_EQ(store->format(), ModelFormat::kMlxNpz);
    ExpectHuggingFaceConvOrder(*store);
    const Tensor norm = store->Get("model.decoder.layers.0.self_attn_layer_norm.weight", {2});
    ASSERT_EQ(norm.dtype(), DType::kF16);
    EXPECT_EQ(norm.data<uint16_t>()[1], ExactHalf(-0.5f));
  }
}

TEST(MlxSafetensors, TransposesConvWeightsAndComputesPositions) {
  const ScratchDir scratch;
  TensorBytes conv = MlxConvWeight();
  conv.dtype = "F32";
  const auto store =
      WeightStore::Open(MlxDir(scratch, "conv", MlxConfig(), "weights.safetensors", SafetensorsFile({conv})));
  EXPECT_EQ(store->format(), ModelFormat::kMlxSafetensors);
  ExpectHuggingFaceConvOrder(*store);
  EXPECT_TRUE(store->Has("model.encoder.embed_positions.weight"));
  const Tensor positions = store->Get("model.encoder.embed_positions.weight", {1500, 384});
  EXPECT_EQ(positions.data<float>()[0], 0.0f);    // sin(0)
  EXPECT_EQ(positions.data<float>()[192], 1.0f);  // cos(0)
  EXPECT_EQ(store->stored_bytes(), 2u * 3u * 4u * sizeof(float));
}

}  // namespace
}  // namespace verbatim::testing
