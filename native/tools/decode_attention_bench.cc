// GPU time per call of SplitAttention's two kernels (cuda_kernels.h, SplitKernel) on a decoder step's shapes
// over f16 caches: cross-attention over 1,500 audio frames at tiny's, turbo's and large-v3's widths and
// batches, with beams, and causal self-attention over caches of 128 and 448 rows. Each kernel's calls are
// captured in a CUDA graph and replayed, so host launch costs do not count; the keys and values rotate over
// enough copies to leave the L2 cache cold, as in a step where every layer reads its own caches. Prints a
// line per shape: µs per call of each kernel, the decode kernel's effective bandwidth (visible keys and
// values read once), its relative L2 distance from the first kernel (exact f32 arithmetic as well), and
// whether it gives the same bits twice. Then the cross-attention over the audio itself (audio_attention.h) at
// the same steps' shapes, with the frames split as its plan splits them and as if the GPU held half, twice
// and four times as many blocks at once, and unsplit: µs per call (the merge included), the audio's bytes
// read once per µs, and the distance of each from the unsplit result.
//
//   verbatim_decode_attention_bench [--calls 100]
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "backend/cuda/audio_attention.h"
#include "backend/cuda/cuda_kernels.h"

namespace {

namespace kernels = verbatim::cuda_kernels;

constexpr std::size_t kColdBytes = 256u << 20;  // several times an H200's 60 MB L2

void Check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    std::fprintf(stderr, "verbatim_decode_attention_bench: %s: %s\n", what, cudaGetErrorString(status));
    std::exit(1);
  }
}

struct Shape {
  const char* name;
  kernels::AttentionShape extents;
  int past;  // causal: sequence b's cache length is past + b mod 7 (capped); < 0: no mask
};

/** Device memory of `n` elements of T, freed with the object. */
template <typename T>
struct DeviceArray {
  explicit DeviceArray(std::size_t n) { Check(cudaMalloc(&data, n * sizeof(T)), "cudaMalloc"); }
  ~DeviceArray() { cudaFree(data); }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  T* data = nullptr;
};

/** `n` f16 values uniform in [low, high), made on the host in f32 and narrowed on the GPU. */
void FillHalves(
    kernels::Half* out, std::size_t n, uint32_t seed, float low, float high, cudaStream_t stream) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> uniform(low, high);
  std::vector<float> host(n);
  for (float& value : host)
    value = uniform(generator);
  DeviceArray<float> wide(n);
  Check(cudaMemcpy(wide.data, host.data(), n * sizeof(float), cudaMemcpyHostToDevice), "upload");
  kernels::F32ToF16(wide.data, out, static_cast<int64_t>(n), stream);
  Check(cudaStreamSynchronize(stream), "narrowing");
}

struct Timed {
  double us_per_call;
  std::vector<float> out;
};

/** `calls` calls of `call(copy)`, copy rotating over `copies`, captured as one graph and replayed: µs a call.
 */
double TimeGraph(const std::function<void(std::size_t)>& call,
                 std::size_t copies,
                 int calls,
                 cudaStream_t stream) {
  for (std::size_t copy = 0; copy < copies; ++copy)
    call(copy);  // warm-up
  Check(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "capture");
  for (int i = 0; i < calls; ++i)
    call(static_cast<std::size_t>(i) % copies);
  cudaGraph_t graph;
  Check(cudaStreamEndCapture(stream, &graph), "capture");
  cudaGraphExec_t exec;
  Check(cudaGraphInstantiate(&exec, graph, 0), "instantiating");
  Check(cudaGraphLaunch(exec, stream), "warm-up replay");
  cudaEvent_t start, stop;
  Check(cudaEventCreate(&start), "event");
  Check(cudaEventCreate(&stop), "event");
  Check(cudaEventRecord(start, stream), "event");
  Check(cudaGraphLaunch(exec, stream), "replay");
  Check(cudaEventRecord(stop, stream), "event");
  Check(cudaEventSynchronize(stop), "replay");
  float ms = 0.0f;
  Check(cudaEventElapsedTime(&ms, start, stop), "event");
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  return 1000.0 * ms / calls;
}

/** `calls` calls of one kernel, rotating over the key/value copies, as one graph; µs per call. */
Timed Time(const Shape& shape,
           kernels::SplitKernel kernel,
           const float* q,
           const std::vector<kernels::Half*>& k,
           const std::vector<kernels::Half*>& v,
           const kernels::IntArray& lengths,
           float* partials,
           float* out,
           int calls,
           cudaStream_t stream) {
  const double us = TimeGraph(
      [&](std::size_t copy) {
        kernels::SplitAttention(shape.extents, q, k[copy], v[copy], lengths, partials, out, stream, kernel);
      },
      k.size(), calls, stream);
  const int64_t n_out = shape.extents.n_batch * shape.extents.n_queries * shape.extents.d_model;
  Timed timed{us, std::vector<float>(static_cast<std::size_t>(n_out))};
  Check(cudaMemcpy(timed.out.data(), out, timed.out.size() * sizeof(float), cudaMemcpyDeviceToHost),
        "download");
  return timed;
}

double RelativeL2(const std::vector<float>& actual, const std::vector<float>& expected) {
  double difference = 0.0, norm = 0.0;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    difference += (actual[i] - expected[i]) * static_cast<double>(actual[i] - expected[i]);
    norm += expected[i] * static_cast<double>(expected[i]);
  }
  return std::sqrt(difference / norm);
}

void Run(const Shape& shape, int calls, cudaStream_t stream) {
  const auto [n_batch, n_queries, n_keys, d_model, n_heads] = shape.extents;
  const std::size_t n_q = static_cast<std::size_t>(n_batch * n_queries * d_model);
  const std::size_t n_kv = static_cast<std::size_t>(n_batch * n_keys * d_model);
  const std::size_t copies = std::max<std::size_t>(1, kColdBytes / (2 * n_kv * sizeof(kernels::Half)));
  DeviceArray<float> q(n_q), out(n_q),
      partials(static_cast<std::size_t>(kernels::SplitAttentionScratchFloats(shape.extents)) + 1);
  std::vector<float> host_q(n_q);
  std::mt19937 generator(41);
  std::uniform_real_distribution<float> uniform(-2.0f, 2.0f);
  for (float& value : host_q)
    value = uniform(generator);
  Check(cudaMemcpy(q.data, host_q.data(), n_q * sizeof(float), cudaMemcpyHostToDevice), "upload");
  DeviceArray<kernels::Half> k_memory(n_kv * copies), v_memory(n_kv * copies);
  FillHalves(k_memory.data, n_kv, 42, -2.0f, 2.0f, stream);
  FillHalves(v_memory.data, n_kv, 43, -1.0f, 1.0f, stream);
  std::vector<kernels::Half*> k(copies), v(copies);
  k[0] = k_memory.data;
  v[0] = v_memory.data;
  for (std::size_t copy = 1; copy < copies; ++copy) {
    k[copy] = k_memory.data + copy * n_kv;
    v[copy] = v_memory.data + copy * n_kv;
    Check(cudaMemcpy(k[copy], k_memory.data, n_kv * sizeof(kernels::Half), cudaMemcpyDeviceToDevice), "copy");
    Check(cudaMemcpy(v[copy], v_memory.data, n_kv * sizeof(kernels::Half), cudaMemcpyDeviceToDevice), "copy");
  }
  const bool causal = shape.past >= 0;
  std::vector<int> past(static_cast<std::size_t>(n_batch));
  double visible_keys = 0.0;  // over the batch and the queries' union
  for (int64_t b = 0; b < n_batch; ++b) {
    past[b] = causal ? static_cast<int>(std::min<int64_t>(shape.past + b % 7, n_keys - n_queries)) : 0;
    visible_keys += causal ? past[b] + n_queries : n_keys;
  }
  const kernels::IntArray lengths = kernels::InlineInts(causal ? past.data() : nullptr, n_batch);

  const Timed decode = Time(shape, kernels::SplitKernel::kDecode, q.data, k, v, lengths, partials.data,
                            out.data, calls, stream);
  const Timed again = Time(shape, kernels::SplitKernel::kDecode, q.data, k, v, lengths, partials.data,
                           out.data, calls, stream);
  const Timed old = Time(shape, kernels::SplitKernel::kWarpShares, q.data, k, v, lengths, partials.data,
                         out.data, calls, stream);
  const double bytes = visible_keys * static_cast<double>(d_model) * 2 * sizeof(kernels::Half);
  std::printf("%-34s decode %7.2f µs (%4.2f TB/s)  old %7.2f µs  %5.2fx  rel L2 %.1e  %s\n", shape.name,
              decode.us_per_call, bytes / decode.us_per_call / 1e6, old.us_per_call,
              old.us_per_call / decode.us_per_call, RelativeL2(decode.out, old.out),
              std::memcmp(decode.out.data(), again.out.data(), decode.out.size() * sizeof(float)) == 0
                  ? "same bits"
                  : "BITS DIFFER");
}

struct AudioCase {
  const char* name;
  kernels::AudioAttentionShape shape;
};

/** AudioAttention on `c` under several plans (see the top); one line. */
void RunAudio(const AudioCase& c, int calls, cudaStream_t stream) {
  const kernels::AudioAttentionShape& shape = c.shape;
  const int blocks = kernels::AudioAttentionConcurrentBlocks(shape.width);
  if (blocks == 0) {
    std::printf("%-34s no AudioAttention configuration on this GPU\n", c.name);
    return;
  }
  const std::size_t n_queries =
      static_cast<std::size_t>(shape.n_windows * shape.queries_per_window * shape.width);
  const std::size_t n_audio = static_cast<std::size_t>(shape.n_windows * shape.n_frames * shape.width);
  const std::size_t copies = std::max<std::size_t>(1, kColdBytes / (n_audio * sizeof(kernels::Half)));
  DeviceArray<kernels::Half> folded(n_queries), context(n_queries), audio_memory(n_audio * copies);
  DeviceArray<float> wide(n_queries);
  FillHalves(folded.data, n_queries, 44, -0.5f, 0.5f, stream);
  FillHalves(audio_memory.data, n_audio, 45, -2.0f, 2.0f, stream);
  for (std::size_t copy = 1; copy < copies; ++copy) {
    Check(cudaMemcpy(audio_memory.data + copy * n_audio, audio_memory.data, n_audio * sizeof(kernels::Half),
                     cudaMemcpyDeviceToDevice),
          "copy");
  }
  const float scale = 0.125f;  // 1/sqrt(64)
  std::vector<float> unsplit;
  std::printf("%-34s", c.name);
  // concurrent_blocks 1 plans one split; then ½, 1 (the plan), 2 and 4 times the GPU's blocks at once
  for (const double factor : {0.0, 0.5, 1.0, 2.0, 4.0}) {
    const int concurrent = std::max(1, static_cast<int>(blocks * factor));
    DeviceArray<float> scratch(
        static_cast<std::size_t>(kernels::AudioAttentionScratchFloats(shape, concurrent)) + 1);
    const double us = TimeGraph(
        [&](std::size_t copy) {
          kernels::AudioAttention(shape, folded.data, audio_memory.data + copy * n_audio, scale, concurrent,
                                  scratch.data, context.data, stream);
        },
        copies, calls, stream);
    kernels::WidenToF32(context.data, false, wide.data, static_cast<int64_t>(n_queries), stream);
    std::vector<float> out(n_queries);
    Check(cudaMemcpy(out.data(), wide.data, n_queries * sizeof(float), cudaMemcpyDeviceToHost), "download");
    const double tb_per_s = static_cast<double>(n_audio * sizeof(kernels::Half)) / us / 1e6;
    if (factor == 0.0) {
      unsplit = out;
      std::printf(" unsplit %7.2f µs (%4.2f TB/s)", us, tb_per_s);
    } else {
      std::printf(" | %3.1fx %7.2f (%4.2f, L2 %.0e)", factor, us, tb_per_s, RelativeL2(out, unsplit));
    }
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  int calls = 100;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--calls") == 0 && i + 1 < argc) {
      calls = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: verbatim_decode_attention_bench [--calls N]\n");
      return 2;
    }
  }
  cudaStream_t stream;
  Check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "creating a stream");
  cudaDeviceProp properties{};
  Check(cudaGetDeviceProperties(&properties, 0), "reading the GPU's properties");
  std::printf("%s, %d calls a kernel and shape\n", properties.name, calls);
  // {batch, queries, keys, d_model, heads}, past (−1: cross-attention, no mask)
  const Shape shapes[] = {
      {"cross large-v3 b16", {16, 1, 1500, 1280, 20}, -1},
      {"cross large-v3-turbo b32", {32, 1, 1500, 1280, 20}, -1},
      {"cross tiny b64", {64, 1, 1500, 384, 6}, -1},
      {"cross large-v3 b1", {1, 1, 1500, 1280, 20}, -1},
      {"cross large-v3 b4", {4, 1, 1500, 1280, 20}, -1},
      {"cross large-v3 16 windows × 5 beams", {16, 5, 1500, 1280, 20}, -1},
      {"cross tiny 8 windows × 15 rows", {8, 15, 1500, 384, 6}, -1},
      {"self large-v3 b16 k128", {16, 1, 128, 1280, 20}, 100},
      {"self large-v3-turbo b32 k128", {32, 1, 128, 1280, 20}, 100},
      {"self tiny b64 k128", {64, 1, 128, 384, 6}, 100},
      {"self large-v3 b16 k448", {16, 1, 448, 1280, 20}, 400},
      {"self large-v3 b16 k448, 20 visible", {16, 1, 448, 1280, 20}, 20},
      {"self large-v3 b16 k448 start of 4", {16, 4, 448, 1280, 20}, 0},
  };
  for (const Shape& shape : shapes)
    Run(shape, calls, stream);
  // {windows, query-heads a window, frames, width}: a step's rows · heads (beams: 5 rows a window)
  const AudioCase audio_cases[] = {
      {"audio large-v3 b16", {16, 20, 1500, 1280}},
      {"audio large-v3-turbo b32", {32, 20, 1500, 1280}},
      {"audio tiny b64", {64, 6, 1500, 384}},
      {"audio large-v3 b4", {4, 20, 1500, 1280}},
      {"audio large-v3 16 windows × 5 beams", {16, 100, 1500, 1280}},
      {"audio tiny 8 windows × 15 rows", {8, 90, 1500, 384}},
  };
  std::printf(
      "AudioAttention: unsplit, then the plan's splits for ½, 1, 2, 4 × the blocks the GPU holds at once\n");
  for (const AudioCase& c : audio_cases)
    RunAudio(c, calls, stream);
  cudaStreamDestroy(stream);
  return 0;
}
