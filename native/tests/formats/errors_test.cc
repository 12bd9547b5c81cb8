// Every way a model can fail to load names the file and the problem.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <functional>
#include <string>

#include "formats/generated_models.h"
#include "formats/ggml_store.h"
#include "formats/test_files.h"
#include "formats/weight_store.h"

namespace verbatim::testing {
namespace {

/** The message of the kModelLoad Error that `action` throws (fails the test if it throws nothing else). */
std::string LoadError(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kModelLoad) << error.what();
    return error.what();
  }
  ADD_FAILURE() << "no error thrown";
  return "";
}

std::string OpenError(const std::string& path) {
  return LoadError([&] { WeightStore::Open(path); });
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  if (at == std::string::npos)
    throw std::runtime_error("cannot find " + from);
  return text.replace(at, from.size(), to);
}

/** A Hugging Face directory holding `weights` (a file's bytes) as model.safetensors and the real config.json.
 */
std::string HuggingFaceDirWith(const ScratchDir& scratch,
                               const std::string& name,
                               const std::string& weights) {
  const std::string directory = scratch.MakeSubdir(name);
  Symlink(Models().hf + "/config.json", directory + "/config.json");
  WriteFile(directory + "/model.safetensors", weights);
  return directory;
}

TEST(LoadErrors, MissingPath) {
  const std::string message = OpenError("/nonexistent/verbatim/model");
  EXPECT_TRUE(ContainsText(message, "/nonexistent/verbatim/model"));
  EXPECT_TRUE(ContainsText(message, "No such file or directory"));
}

TEST(LoadErrors, DirectoryWithoutModel) {
  const ScratchDir scratch;
  const std::string message = OpenError(scratch.path());
  EXPECT_TRUE(ContainsText(message, "not a model directory: " + scratch.path()));
  EXPECT_TRUE(ContainsText(message, "model.safetensors"));
}

TEST(LoadErrors, WeightsWithoutConfig) {
  const ScratchDir scratch;
  Symlink(Models().hf + "/model.safetensors", scratch.Join("model.safetensors"));
  EXPECT_TRUE(ContainsText(OpenError(scratch.path()), "has weights but no config.json"));
}

TEST(LoadErrors, FileThatIsNotGgml) {
  const ScratchDir scratch;
  WriteFile(scratch.Join("notes.txt"), "hello, world");
  const std::string message = OpenError(scratch.Join("notes.txt"));
  EXPECT_TRUE(ContainsText(message, scratch.Join("notes.txt")));
  EXPECT_TRUE(ContainsText(message, "not a whisper.cpp ggml file"));
}

TEST(LoadErrors, ConfigWithoutADimension) {
  const ScratchDir scratch;
  const std::string directory = scratch.MakeSubdir("model");
  WriteFile(directory + "/config.json",
            Replace(ReadFile(Models().hf + "/config.json"), "\"d_model\"", "\"width\""));
  Symlink(Models().hf + "/model.safetensors", directory + "/model.safetensors");
  EXPECT_TRUE(ContainsText(OpenError(directory), directory + "/config.json: \"d_model\" is missing"));
}

TEST(LoadErrors, ConfigThatIsNotJson) {
  const ScratchDir scratch;
  const std::string directory = scratch.MakeSubdir("model");
  WriteFile(directory + "/config.json", "{\"d_model\": 384,}");
  Symlink(Models().hf + "/model.safetensors", directory + "/model.safetensors");
  EXPECT_TRUE(ContainsText(OpenError(directory),
                           directory + "/config.json: invalid JSON at byte 16: expected a string key"));
}

TEST(LoadErrors, SafetensorsShorterThanItsHeaderLength) {
  const ScratchDir scratch;
  const std::string directory = HuggingFaceDirWith(scratch, "short", std::string("\x10\0\0", 3));
  EXPECT_TRUE(ContainsText(OpenError(directory),
                           directory + "/model.safetensors: truncated safetensors file: 3 bytes"));
}

TEST(LoadErrors, SafetensorsHeaderBeyondEndOfFile) {
  const ScratchDir scratch;
  const std::string real = ReadFile(Models().hf + "/model.safetensors").substr(0, 4000);
  const std::string directory = HuggingFaceDirWith(scratch, "cut-header", real);
  EXPECT_TRUE(ContainsText(OpenError(directory),
                           directory +
                               "/model.safetensors: truncated safetensors file: the 19104-byte header "
                               "ends at byte 19112, beyond the end of the file (4000 bytes)"));
}

TEST(LoadErrors, SafetensorsDataBeyondEndOfFile) {
  const ScratchDir scratch;
  const std::string directory = scratch.MakeSubdir("cut-data");
  Symlink(Models().hf + "/config.json", directory + "/config.json");
  WriteTruncatedCopy(Models().hf + "/model.safetensors", directory + "/model.safetensors", 1'000'000);
  const std::string message = OpenError(directory);
  EXPECT_TRUE(
      ContainsText(message, directory + "/model.safetensors: truncated safetensors file: tensor model."));
  EXPECT_TRUE(ContainsText(message, "beyond the end of the file (1000000 bytes)"));
}

TEST(LoadErrors, SafetensorsSizeThatDisagreesWithShape) {
  const ScratchDir scratch;
  const std::string directory = HuggingFaceDirWith(
      scratch, "sizes", SafetensorsFile({{"model.encoder.conv1.bias", "F32", {4}, std::string(12, '\0')}}));
  EXPECT_TRUE(ContainsText(OpenError(directory),
                           "tensor model.encoder.conv1.bias of shape [4] and dtype F32 needs 16 "
                           "bytes but data_offsets [0, 12] span 12"));
}

TEST(LoadErrors, SafetensorsHeaderThatIsNotJson) {
  const ScratchDir scratch;
  std::string file = SafetensorsFile({{"model.encoder.conv1.bias", "F32", {1}, std::string(4, '\0')}});
  file[8 + 1] = '[';  // {"__metadata__" → {[__metadata__"
  const std::string directory = HuggingFaceDirWith(scratch, "json", file);
  EXPECT_TRUE(ContainsText(OpenError(directory),
                           directory + "/model.safetensors (safetensors header): invalid JSON at byte 1"));
}

TEST(LoadErrors, UnknownSafetensorsDType) {
  const ScratchDir scratch;
  const std::string directory =
      HuggingFaceDirWith(scratch, "dtype", SafetensorsFile({{"model.encoder.conv1.bias", "Q4", {1}, ""}}));
  EXPECT_TRUE(ContainsText(OpenError(directory), "tensor model.encoder.conv1.bias has unknown dtype Q4"));
}

TEST(LoadErrors, UnsupportedDTypeOnGet) {
  const ScratchDir scratch;
  const std::string directory = HuggingFaceDirWith(
      scratch, "f64", SafetensorsFile({{"model.encoder.conv1.bias", "F64", {2}, std::string(16, '\0')}}));
  const auto store = WeightStore::Open(directory);
  EXPECT_TRUE(store->Has("model.encoder.conv1.bias"));
  EXPECT_TRUE(ContainsText(LoadError([&] { store->Get("model.encoder.conv1.bias", {2}); }),
                           "[WeightStore] model.encoder.conv1.bias: unsupported dtype F64 in " + directory +
                               "/model.safetensors"));
}

// The "wrong-architecture config": config.json says base (512 wide), the weights are tiny's.
TEST(LoadErrors, ConfigDimsThatContradictTensorShapes) {
  const ScratchDir scratch;
  const std::string directory = scratch.MakeSubdir("model");
  WriteFile(directory + "/config.json",
            Replace(ReadFile(Models().hf + "/config.json"), "\"d_model\": 384", "\"d_model\": 512"));
  Symlink(Models().hf + "/model.safetensors", directory + "/model.safetensors");
  const auto store = WeightStore::Open(directory);
  ASSERT_EQ(store->dims().n_audio_state, 512);
  const int d = store->dims().n_audio_state;
  EXPECT_EQ(LoadError([&] {
              store->Get("model.encoder.conv1.weight", {d, store->dims().n_mels, 3});
            }),
            "[WeightStore] model.encoder.conv1.weight: expected shape [512, 80, 3], found [384, 80, 3] in " +
                directory + "/model.safetensors");
}

TEST(LoadErrors, MissingTensor) {
  const auto store = WeightStore::Open(Models().hf);
  EXPECT_FALSE(store->Has("proj_out.weight"));
  EXPECT_EQ(LoadError([&] {
              store->Get("proj_out.weight", {51865, 384});
            }),
            "[WeightStore] missing tensor proj_out.weight in " + Models().hf);
}

TEST(LoadErrors, MissingShard) {
  const ScratchDir scratch;
  const std::string directory = scratch.MakeSubdir("sharded");
  for (const char* name :
       {"config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors"}) {
    Symlink(Models().hf_sharded + "/" + name, directory + "/" + name);
  }
  const std::string message = OpenError(directory);
  EXPECT_TRUE(ContainsText(message,
                           "[WeightStore] missing shard model-00002-of-00002.safetensors (it should hold "
                           "model."));
  EXPECT_TRUE(ContainsText(message, directory + "/model-00002-of-00002.safetensors does not exist"));
}

TEST(LoadErrors, ShardWithoutATensorTheIndexPutsThere) {
  const ScratchDir scratch;
  const std::string directory = scratch.MakeSubdir("sharded");
  for (const char* name :
       {"config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}) {
    Symlink(Models().hf_sharded + "/" + name, directory + "/" + name);
  }
  WriteFile(directory + "/model.safetensors.index.json",
            Replace(ReadFile(Models().hf_sharded + "/model.safetensors.index.json"), "\"weight_map\": {",
                    "\"weight_map\": {\n    \"proj_out.weight\": \"model-00002-of-00002.safetensors\","));
  EXPECT_TRUE(ContainsText(OpenError(directory),
                           "lists proj_out.weight in model-00002-of-00002.safetensors but that "
                           "shard does not hold it"));
}

TEST(LoadErrors, TruncatedGgml) {
  const ScratchDir scratch;
  WriteTruncatedCopy(Models().ggml_f16, scratch.Join("ggml-model.bin"), 2'000'000);
  const std::string message = OpenError(scratch.Join("ggml-model.bin"));
  EXPECT_TRUE(ContainsText(message, scratch.Join("ggml-model.bin") + ": truncated ggml file: "));
  EXPECT_TRUE(ContainsText(message, "the file has 2000000"));
}

TEST(LoadErrors, QuantizedGgmlTensorType) {
  const ScratchDir scratch;
  std::string file = ReadFile(Models().ggml_f32).substr(0, 3'000'000);
  // The first tensor header follows the vocabulary: find "encoder.positional_embedding" and set its type to 2
  // (q4_0).
  const std::size_t name_at = file.find("encoder.positional_embedding");
  ASSERT_NE(name_at, std::string::npos);
  const std::size_t type_at = name_at - 2 * sizeof(int32_t) - sizeof(int32_t);  // before dims [384, 1500]
  const int32_t q4_0 = 2;
  std::memcpy(&file[type_at], &q4_0, sizeof q4_0);
  WriteFile(scratch.Join("q4.bin"), file);
  EXPECT_TRUE(ContainsText(OpenError(scratch.Join("q4.bin")),
                           "tensor encoder.positional_embedding has ggml type 2; "
                           "only f32 (0) and f16 (1) are supported"));
}

TEST(LoadErrors, CompressedNpz) {
  const ScratchDir scratch;
  const std::string directory = scratch.MakeSubdir("mlx");
  Symlink(Models().mlx_npz + "/config.json", directory + "/config.json");
  WriteFile(directory + "/weights.npz",
            NpzFile({{"encoder.conv1.bias", "<f4", {1}, std::string(4, '\0')}}, false, /*method=*/8));
  EXPECT_TRUE(ContainsText(OpenError(directory), "member encoder.conv1.bias.npy is compressed (method 8)"));
}

TEST(LoadErrors, TruncatedNpz) {
  const ScratchDir scratch;
  const std::string directory = scratch.MakeSubdir("mlx");
  Symlink(Models().mlx_npz + "/config.json", directory + "/config.json");
  WriteTruncatedCopy(Models().mlx_npz + "/weights.npz", directory + "/weights.npz", 1'000'000);
  EXPECT_TRUE(
      ContainsText(OpenError(directory),
                   directory + "/weights.npz: not a zip archive (no end of central directory record)"));
}

TEST(LoadErrors, MlxConfigWithoutWeights) {
  const ScratchDir scratch;
  const std::string directory = scratch.MakeSubdir("mlx");
  Symlink(Models().mlx_npz + "/config.json", directory + "/config.json");
  Symlink(Models().hf + "/model.safetensors", directory + "/model.safetensors");
  EXPECT_TRUE(ContainsText(OpenError(directory),
                           "has an MLX config.json but neither weights.safetensors nor weights.npz"));
}

}  // namespace
}  // namespace verbatim::testing
