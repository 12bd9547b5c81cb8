#include "backend/cuda/cuda_backend.h"

#include <cuda_runtime.h>
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>

#include "backend/backend_checks.h"
#include "backend/cuda/cublas_loader.h"
#include "backend/cuda/cuda_backend_support.h"
#include "backend/cuda/cuda_kernels.h"
#include "backend/cuda/flash_attention.h"
#include "backend/cuda/small_gemm.h"
#include "backend/cuda/streamed_weights.h"
#include "core/fail.h"

namespace verbatim {

namespace {

constexpr int kConvKernelSize = 3;
// Buffers up to this size are kept for reuse (decoder steps); larger ones (the encoder's) are freed after
// use, so that they do not add to the decoder's peak memory.
constexpr std::size_t kMostReusedBytes = 16u << 20;
constexpr std::size_t kCublasWorkspaceBytes = 32u << 20;
// VERBATIM_CUDA_MEMORY=lean: the encoder's activations in slices of ≤ 256 MiB (f32 reckoning) instead of 1
// GiB.
constexpr int64_t kLeanActivationBytes = int64_t{256} << 20;

void CheckF32(const Tensor& tensor, const char* operation, const char* what) {
  verbatim::CheckF32(tensor, Device::kCuda, operation, what);
}

/** "a×b×c" for a profile label. */
std::string Dims(std::initializer_list<int64_t> extents) {
  std::string text;
  for (int64_t extent : extents)
    text += (text.empty() ? "" : "×") + std::to_string(extent);
  return text;
}

int DTypeCode(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return 0;
    case DType::kF16:
      return 1;
    case DType::kBF16:
      return 2;
  }
  return 0;
}

}  // namespace

bool CudaBackendAvailable(std::string* why) {
  // Without the driver library the runtime only says "driver version is insufficient": name the real cause.
  if (void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL); driver == nullptr) {
    if (why != nullptr)
      *why = "no NVIDIA driver (libcuda.so.1 not found)";
    return false;
  }
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();
    if (why != nullptr)
      *why = std::string("no usable CUDA driver or GPU: ") + cudaGetErrorString(status);
    return false;
  }
  if (count == 0) {
    if (why != nullptr)
      *why = "no CUDA GPU";
    return false;
  }
  return LoadCublas(why) != nullptr;
}

CudaBackend::CudaBackend(int device_index, const CudaBackendOptions& options)
    : state_(std::make_shared<CudaStreamState>()) {
  constexpr const char* kOperation = "CudaBackend";
  std::string why;
  if (!CudaBackendAvailable(&why))
    Fail(ErrorCode::kBackend, kOperation, why);
  int count = 0;
  CheckCuda(cudaGetDeviceCount(&count), kOperation, "counting GPUs");
  if (device_index < 0 || device_index >= count)
    Fail(ErrorCode::kBackend, kOperation, "no GPU ", device_index, " (", count, " present)");
  state_->device = device_index;
  CheckCuda(cudaSetDevice(device_index), kOperation, "selecting the GPU");
  cudaDeviceProp properties{};
  CheckCuda(cudaGetDeviceProperties(&properties, device_index), kOperation, "reading the GPU's properties");
  device_name_ = properties.name;
  exact_attention_ = EnvironmentSays("VERBATIM_CUDA_ATTENTION", "exact");
  old_flash_kernel_ = EnvironmentSays("VERBATIM_CUDA_FLASH", "old");
  old_decode_attention_ = EnvironmentSays("VERBATIM_CUDA_DECODE_ATTENTION", "old");
  f16_intermediates_allowed_ = !EnvironmentSays("VERBATIM_CUDA_F16_ENCODER", "0");
  f16_decoder_allowed_ = !EnvironmentSays("VERBATIM_CUDA_F16_DECODER", "0");
  gelu_in_epilogue_ = EnvironmentSays("VERBATIM_CUDA_GELU", "tanh");
  small_gemm_allowed_ = !EnvironmentSays("VERBATIM_CUDA_SMALL_GEMM", "0");
  const std::string memory = EnvironmentChoice("VERBATIM_CUDA_MEMORY", {"lean", "fast"});
  const bool lean_memory = memory.empty() ? options.lean_memory : memory == "lean";
  // Keys and values of the audio by default; over the audio itself where memory counts.
  const std::string cross = EnvironmentChoice("VERBATIM_CUDA_CROSS_ATTENTION", {"audio", "projected"});
  projected_cross_attention_ = cross.empty() ? !lean_memory : cross == "projected";
  // Over the audio: one kernel (audio_attention.h) by default; =gemms the two GEMMs of before, to time both.
  audio_attention_gemms_ = EnvironmentChoice("VERBATIM_CUDA_AUDIO_ATTENTION", {"fused", "gemms"}) == "gemms";
  // Tokens chosen where the logits are (ChooseTokens) by default; =host downloads the logits, to time both.
  choose_on_host_ = EnvironmentChoice("VERBATIM_CUDA_CHOOSE", {"device", "host"}) == "host";
  state_->api = LoadCublas(nullptr);
  CheckCuda(cudaStreamCreateWithFlags(&state_->stream, cudaStreamNonBlocking), kOperation,
            "creating a stream");
  const int status = state_->api->create(&state_->cublas);
  if (status != kCublasStatusSuccess)
    Fail(ErrorCode::kBackend, kOperation, "cublasCreate: ", CublasStatusName(status));
  state_->api->set_stream(state_->cublas, state_->stream);
  CheckCuda(cudaDeviceGetDefaultMemPool(&state_->pool, device_index), kOperation, "the memory pool");
  profile_ = CudaProfile::FromEnvironment(state_->stream);
  // cuBLAS's workspace is ours, so that a GEMM in a step's graph allocates nothing (32 MiB: NVIDIA's advice
  // for Hopper).
  cublas_workspace_ = Scratch(kCublasWorkspaceBytes, kOperation);
  const int workspace_status =
      state_->api->set_workspace(state_->cublas, cublas_workspace_.get(), kCublasWorkspaceBytes);
  if (workspace_status != kCublasStatusSuccess)
    Fail(ErrorCode::kBackend, kOperation, "cublasSetWorkspace: ", CublasStatusName(workspace_status));
  if (EnvironmentSays("VERBATIM_CUDA_GRAPHS", "0"))
    graphs_off_why_ = "VERBATIM_CUDA_GRAPHS=0";
  else if (profile_ != nullptr)
    graphs_off_why_ = "VERBATIM_CUDA_PROFILE=1 (the profile times each operation)";
  else
    step_graph_ = std::make_unique<StepGraph>(device_index, state_->stream);
  if (EnvironmentSays("VERBATIM_CUDA_CUBLASLT", "0"))
    lt_missing_why_ = "VERBATIM_CUDA_CUBLASLT=0";
  else
    lt_ = CublasLtGemms::Create(&lt_missing_why_);
  if (lean_memory) {
    streamed_ = std::make_unique<StreamedWeights>(device_index, state_->stream, [this](std::size_t bytes) {
      return Scratch(bytes, "CudaBackend::PrefetchWeights");
    });
  }
  // Keep freed activations in the pool between calls instead of returning them to the driver.
  uint64_t keep = UINT64_MAX;
  cudaMemPoolSetAttribute(state_->pool, cudaMemPoolAttrReleaseThreshold, &keep);
}

CudaBackend::~CudaBackend() {
  // cuBLASLt's handle goes with the backend: let the GEMMs enqueued with it finish first.
  if (lt_ != nullptr) {
    cudaSetDevice(state_->device);
    cudaStreamSynchronize(state_->stream);
  }
}

std::size_t CudaBackend::peak_device_bytes() const {
  uint64_t pool_high = 0;
  cudaMemPoolGetAttribute(state_->pool, cudaMemPoolAttrUsedMemHigh, &pool_high);
  return state_->weight_bytes.load() + static_cast<std::size_t>(pool_high);
}

DType CudaBackend::kv_cache_dtype() const {
  return half_attention_ && !exact_attention_ ? DType::kF16 : DType::kF32;
}

DType CudaBackend::intermediate_dtype() const {
  return f16_weights_ && !exact_attention_ && f16_intermediates_allowed_ ? DType::kF16 : DType::kF32;
}

DType CudaBackend::decoder_intermediate_dtype() const {
  // Apart from the encoder's switch, so that either path can be timed against the other on its own.
  return f16_weights_ && !exact_attention_ && f16_decoder_allowed_ ? DType::kF16 : DType::kF32;
}

bool CudaBackend::has_cublaslt(std::string* why) const {
  if (lt_ == nullptr && why != nullptr)
    *why = lt_missing_why_;
  return lt_ != nullptr;
}

CudaBackend::EpilogueCounts CudaBackend::epilogue_counts() const {
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  return epilogue_counts_;
}

CudaBackend::AudioAttentionCounts CudaBackend::audio_attention_counts() const {
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  return audio_attention_counts_;
}

std::shared_ptr<void> CudaBackend::Scratch(std::size_t bytes, const char* operation) {
  // In a capture the allocation would become the graph's, and the owner's free a node of it.
  if (step_graph_ != nullptr && step_graph_->mode() == StepGraph::Mode::kCapture)
    throw NotCapturable{};
  void* pointer = nullptr;
  CheckCuda(cudaMallocAsync(&pointer, bytes == 0 ? 1 : bytes, state_->stream), operation,
            "device allocation");
  std::shared_ptr<CudaStreamState> state = state_;
  return std::shared_ptr<void>(pointer, [state](void* p) {
    cudaSetDevice(state->device);
    cudaFreeAsync(p, state->stream);
  });
}

void* CudaBackend::Reused(Reuse use, std::size_t bytes, const char* operation) {
  ReusedBuffer& buffer = reused_[static_cast<int>(use)];
  if (buffer.bytes < bytes) {
    // A step's graph reads the buffer where it was: it goes, and a capture cannot move it.
    if (step_graph_ != nullptr) {
      if (step_graph_->mode() == StepGraph::Mode::kCapture)
        throw NotCapturable{};
      step_graph_->ForgetGraph();
    }
    buffer.memory.reset();  // freed in stream order, after the kernels that used it
    buffer.memory = Scratch(bytes, operation);
    buffer.bytes = bytes;
  }
  return buffer.memory.get();
}

std::shared_ptr<void> CudaBackend::UploadInts(const int* host, int64_t n, const char* operation) {
  static_assert(sizeof(int) == sizeof(int32_t), "int arrays are uploaded as int32");
  std::shared_ptr<void> device = Scratch(static_cast<std::size_t>(n) * sizeof(int32_t), operation);
  // From pageable memory the copy is staged before this returns, so the caller may reuse `host` at once.
  CheckCuda(cudaMemcpyAsync(device.get(), host, static_cast<std::size_t>(n) * sizeof(int32_t),
                            cudaMemcpyHostToDevice, state_->stream),
            operation, "uploading indices");
  return device;
}

cuda_kernels::IntArray CudaBackend::Ints(const int* host,
                                         int64_t n,
                                         std::shared_ptr<void>& keep,
                                         const char* operation) {
  if (step_graph_ != nullptr) {
    // In a step's capture or replay the ints go through its arena, whose device copy the graph refreshes.
    if (const int32_t* device = step_graph_->Ints(host, n); device != nullptr) {
      cuda_kernels::IntArray array;
      array.present = true;
      array.device = device;
      return array;
    }
  }
  cuda_kernels::IntArray array = cuda_kernels::InlineInts(host, n);
  if (host != nullptr && n > cuda_kernels::kInlineInts) {
    keep = UploadInts(host, n, operation);
    array.device = static_cast<const int32_t*>(keep.get());
  }
  return array;
}

Tensor CudaBackend::Allocate(const std::vector<int64_t>& shape, DType dtype) {
  constexpr const char* kOperation = "CudaBackend::Allocate";
  if (dtype != DType::kF32 && dtype != DType::kF16) {
    Fail(ErrorCode::kBackend, kOperation, "cannot allocate ", DTypeName(dtype),
         ": the cuda backend keeps activations in f32, and KV caches and intermediates in f32 or f16");
  }
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  NotInSteps();
  cudaSetDevice(state_->device);
  int64_t n = 1;
  for (int64_t extent : shape)
    n *= extent;
  const std::size_t bytes = static_cast<std::size_t>(n) * DTypeSize(dtype);
  std::shared_ptr<void> memory = Scratch(bytes, kOperation);
  CheckCuda(cudaMemsetAsync(memory.get(), 0, bytes, state_->stream), kOperation, "zero-filling");
  return Tensor(dtype, shape, memory.get(), memory, Device::kCuda);
}

Tensor CudaBackend::PrepareWeight(const Tensor& host_weight, WeightUse use) {
  constexpr const char* kOperation = "CudaBackend::PrepareWeight";
  if (host_weight.device() != Device::kCpu)
    Fail(ErrorCode::kInternal, kOperation, "the weight must come from host memory");
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  NotInSteps();
  cudaSetDevice(state_->device);
  const bool widen = use == WeightUse::kVector && host_weight.dtype() != DType::kF32;
  const DType dtype = widen ? DType::kF32 : host_weight.dtype();
  if (IsMatrix(use))
    NoteMatrixDType(dtype);
  if (use == WeightUse::kStreamedMatrix && streamed_ != nullptr)
    return streamed_->Keep(host_weight);  // in host memory, visiting the device a layer at a time
  const std::size_t bytes = static_cast<std::size_t>(host_weight.numel()) * DTypeSize(dtype);
  void* pointer = nullptr;
  CheckCuda(cudaMalloc(&pointer, bytes == 0 ? 1 : bytes), kOperation, "weight allocation");
  const int device = state_->device;
  std::shared_ptr<void> memory(pointer, [device](void* p) {
    cudaSetDevice(device);
    cudaFree(p);
  });
  if (widen) {
    std::shared_ptr<void> narrow = Scratch(host_weight.nbytes(), kOperation);
    CheckCuda(cudaMemcpyAsync(narrow.get(), host_weight.raw(), host_weight.nbytes(), cudaMemcpyHostToDevice,
                              state_->stream),
              kOperation, "uploading");
    cuda_kernels::WidenToF32(static_cast<const uint16_t*>(narrow.get()), host_weight.dtype() == DType::kBF16,
                             static_cast<float*>(pointer), host_weight.numel(), state_->stream);
    CheckLaunch(kOperation);
  } else {
    CheckCuda(cudaMemcpyAsync(pointer, host_weight.raw(), bytes, cudaMemcpyHostToDevice, state_->stream),
              kOperation, "uploading");
  }
  CheckCuda(cudaStreamSynchronize(state_->stream), kOperation, "uploading");
  weight_copy_bytes_ += bytes;
  state_->weight_bytes += bytes;
  return Tensor(dtype, host_weight.shape(), pointer, memory, Device::kCuda);
}

void CudaBackend::NoteMatrixDType(DType dtype) {
  if (dtype != DType::kF32)
    half_attention_ = true;
  if (dtype == DType::kF16)
    f16_weights_ = true;
}

Tensor CudaBackend::ResidentWeight(const Tensor& weight) {
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  return streamed_->Resident(weight);
}

void CudaBackend::PrefetchWeights(const std::vector<const Tensor*>& next) {
  if (streamed_ == nullptr)
    return;
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  NotInSteps();
  streamed_->Prefetch(next);
}

int64_t CudaBackend::activation_budget_bytes() const {
  // Lean memory is what streams the encoder's weights: the same switch.
  return streamed_ != nullptr ? kLeanActivationBytes : Backend::activation_budget_bytes();
}

CudaBackend::StreamedWeightCounts CudaBackend::streamed_weight_counts() const {
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (streamed_ == nullptr)
    return {};
  return {streamed_->host_bytes(), streamed_->copies(), streamed_->misses()};
}

void CudaBackend::Upload(const float* host, Tensor& dst) {
  constexpr const char* kOperation = "CudaBackend::Upload";
  CheckF32(dst, kOperation, "the destination");
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  NotInSteps();
  cudaSetDevice(state_->device);
  CheckCuda(cudaMemcpyAsync(dst.raw(), host, dst.nbytes(), cudaMemcpyHostToDevice, state_->stream),
            kOperation, "copy");
  CheckCuda(cudaStreamSynchronize(state_->stream), kOperation, "copy");
}

void CudaBackend::Download(const Tensor& src, float* host) {
  constexpr const char* kOperation = "CudaBackend::Download";
  CheckF32(src, kOperation, "the source");
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  NotInSteps();
  cudaSetDevice(state_->device);
  const ProfileScope profile(profile_.get(),
                             [&] { return std::string("Download ") + std::to_string(src.numel()); });
  CheckCuda(cudaMemcpyAsync(host, src.raw(), src.nbytes(), cudaMemcpyDeviceToHost, state_->stream),
            kOperation, "copy");
  CheckCuda(cudaStreamSynchronize(state_->stream), kOperation, "waiting for the GPU");
}

void CudaBackend::Gemm(
    const float* x, int64_t m, int64_t k, const Tensor& weight, bool accumulate, void* out, DType out_dtype) {
  constexpr const char* kOperation = "CudaBackend::Linear";
  if (weight.dtype() == DType::kF32) {
    CublasGemm(x, m, k, weight, accumulate, out, out_dtype);
    return;
  }
  // Tensor cores take both operands in the weight's 16-bit type; products accumulate in fp32.
  std::shared_ptr<void> large;  // an encoder-sized conversion: freed after this GEMM, not kept
  const std::size_t bytes = static_cast<std::size_t>(m * k) * sizeof(uint16_t);
  void* narrow = nullptr;
  if (bytes <= kMostReusedBytes) {
    narrow = Reused(Reuse::kNarrowActivations, bytes, kOperation);
  } else {
    large = Scratch(bytes, kOperation);
    narrow = large.get();
  }
  if (weight.dtype() == DType::kF16)
    cuda_kernels::F32ToF16(x, static_cast<uint16_t*>(narrow), m * k, state_->stream);
  else
    cuda_kernels::F32ToBF16(x, static_cast<uint16_t*>(narrow), m * k, state_->stream);
  CheckLaunch(kOperation);
  CublasGemm(narrow, m, k, weight, accumulate, out, out_dtype);
}

void CudaBackend::CublasGemm(
    const void* x, int64_t m, int64_t k, const Tensor& weight, bool accumulate, void* out, DType out_dtype) {
  const int64_t n = weight.dim(0);
  const float alpha = 1.0f, beta = accumulate ? 1.0f : 0.0f;
  const cudaDataType type = CudaTypeOf(weight.dtype());
  // Row-major out[M, N] = x[M, K] · W[N, K]ᵀ is column-major outᵀ[N, M] = W · xᵀ: W read transposed.
  const int status = state_->api->gemm_ex(
      state_->cublas, kCublasOpT, kCublasOpN, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k),
      &alpha, weight.raw(), type, static_cast<int>(k), x, type, static_cast<int>(k), &beta, out,
      CudaTypeOf(out_dtype), static_cast<int>(n), kCublasCompute32F, kCublasGemmDefault);
  if (status != kCublasStatusSuccess) {
    Fail(ErrorCode::kBackend, "CudaBackend::Linear", "cublasGemmEx ", m, "×", n, "×", k, " ",
         DTypeName(weight.dtype()), " → ", DTypeName(out_dtype), ": ", CublasStatusName(status));
  }
}

void CudaBackend::Linear(
    const Tensor& x, const Tensor& stored_weight, const Tensor& bias, LinearEpilogue epilogue, Tensor& out) {
  constexpr const char* kOperation = "CudaBackend::Linear";
  // A streamed weight's device copy where it is prefetched (the weight itself, read over the bus, if not);
  // without streaming, the weight itself, not copied (a decoder step makes hundreds of these calls).
  Tensor resident;
  if (streamed_ != nullptr)
    resident = ResidentWeight(stored_weight);
  const Tensor& weight = streamed_ != nullptr ? resident : stored_weight;
  const LinearShape shape = CheckLinear(x, weight, bias, epilogue, out, Device::kCuda,
                                        KvCacheDTypes::kF32OrF16, IntermediateDTypes::kF32OrF16, kOperation);
  const int64_t m = shape.m, n = shape.n, k = shape.k;
  if (m == 0)
    return;
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (Replaying({Part(StepOperation::kLinear), Id(x.raw()), Id(weight.raw()), Id(bias.raw()), Id(out.raw()),
                 Part(m), Part(n), Part(k), static_cast<uint64_t>(epilogue), Part(x.dtype()),
                 Part(weight.dtype()), Part(out.dtype())})) {
    return;
  }
  cudaSetDevice(state_->device);
  const float* bias_data = bias.empty() ? nullptr : bias.data<float>();
  if (UsesSmallGemm(x, weight, shape)) {
    SmallLinear(x, shape, weight, bias_data, epilogue, out);
    return;
  }
  const bool half_x = x.dtype() == DType::kF16;
  if (half_x && weight.dtype() == DType::kF16) {
    LinearFromHalves(x.data<cuda_kernels::Half>(), shape, weight, bias_data, epilogue, out);
    return;
  }
  const ProfileScope profile(profile_.get(), [&] {
    return std::string(epilogue == LinearEpilogue::kGelu ? "Linear+gelu " : "Linear ") + Dims({m, n, k}) +
           " " + DTypeName(weight.dtype()) + (out.dtype() == DType::kF16 ? " → f16" : "") +
           (half_x ? " (f16 x widened)" : "");
  });
  if (!half_x) {
    LinearFromFloats(x.data<float>(), shape, weight, bias_data, epilogue, out);
    return;
  }
  // cuBLAS multiplies operands of one type: an f16 x meets a bf16 or f32 weight only in a model of mixed
  // weight dtypes, and is widened for it.
  std::shared_ptr<void> wide = Scratch(static_cast<std::size_t>(m * k) * sizeof(float), kOperation);
  cuda_kernels::WidenToF32(x.data<uint16_t>(), false, static_cast<float*>(wide.get()), m * k, state_->stream);
  CheckLaunch(kOperation);
  LinearFromFloats(static_cast<const float*>(wide.get()), shape, weight, bias_data, epilogue, out);
}

bool CudaBackend::UsesSmallGemm(const Tensor& x, const Tensor& weight, const LinearShape& shape) const {
  const bool x_type = x.dtype() == DType::kF32 || x.dtype() == DType::kF16;
  // The kernel reads x and the weight's rows 16 bytes at a time.
  const bool aligned = Id(x.raw()) % 16 == 0 && Id(weight.raw()) % 16 == 0;
  return small_gemm_allowed_ && weight.dtype() == DType::kF16 && x_type && aligned &&
         cuda_kernels::SmallGemmApplies(shape.m, shape.k);
}

void CudaBackend::SmallLinear(const Tensor& x,
                              const LinearShape& shape,
                              const Tensor& weight,
                              const float* bias,
                              LinearEpilogue epilogue,
                              Tensor& out) {
  using cuda_kernels::Half;
  using cuda_kernels::SmallGemmEpilogue;
  const bool half_x = x.dtype() == DType::kF16, half_out = out.dtype() == DType::kF16;
  const ProfileScope profile(profile_.get(), [&] {
    return std::string(epilogue == LinearEpilogue::kGelu ? "Linear+gelu " : "Linear ") +
           Dims({shape.m, shape.n, shape.k}) + " f16 " + DTypeName(x.dtype()) + "→" + DTypeName(out.dtype()) +
           (epilogue == LinearEpilogue::kAccumulate ? " +=" : "") + " [small-m gemm]";
  });
  const SmallGemmEpilogue fused = epilogue == LinearEpilogue::kGelu         ? SmallGemmEpilogue::kGelu
                                  : epilogue == LinearEpilogue::kAccumulate ? SmallGemmEpilogue::kAccumulate
                                                                            : SmallGemmEpilogue::kStore;
  auto run = [&](const auto* x_data) {
    if (half_out)
      cuda_kernels::SmallGemm(x_data, weight.data<Half>(), bias, shape.m, shape.n, shape.k, fused,
                              out.data<Half>(), state_->stream);
    else
      cuda_kernels::SmallGemm(x_data, weight.data<Half>(), bias, shape.m, shape.n, shape.k, fused,
                              out.data<float>(), state_->stream);
  };
  if (half_x)
    run(x.data<Half>());
  else
    run(x.data<float>());
  CheckLaunch("CudaBackend::Linear");
  epilogue_counts_.in_small_gemm += 1;
}

void CudaBackend::LinearFromFloats(const float* x,
                                   const LinearShape& shape,
                                   const Tensor& weight,
                                   const float* bias,
                                   LinearEpilogue epilogue,
                                   Tensor& out) {
  const bool gelu = epilogue == LinearEpilogue::kGelu;
  if (out.dtype() == DType::kF16) {
    LinearIntoHalf(x, shape.m, shape.k, weight, bias, gelu, out);
    return;
  }
  Gemm(x, shape.m, shape.k, weight, epilogue == LinearEpilogue::kAccumulate, out.data<float>());
  cuda_kernels::BiasEpilogue(out.data<float>(), bias, shape.m, shape.n, gelu, state_->stream);
  CheckLaunch("CudaBackend::Linear");
}

void CudaBackend::LinearFromHalves(const cuda_kernels::Half* x,
                                   const LinearShape& shape,
                                   const Tensor& weight,
                                   const float* bias,
                                   LinearEpilogue epilogue,
                                   Tensor& out) {
  constexpr const char* kOperation = "CudaBackend::Linear";
  const bool half_out = out.dtype() == DType::kF16, gelu = epilogue == LinearEpilogue::kGelu;
  LtGemm gemm;
  gemm.x = x;
  gemm.weight = weight.raw();
  gemm.out = out.raw();
  gemm.m = shape.m;
  gemm.n = shape.n;
  gemm.k = shape.k;
  gemm.out_type = half_out ? CUDA_R_16F : CUDA_R_32F;
  gemm.accumulate = epilogue == LinearEpilogue::kAccumulate;  // into the f32 residual stream: C = D = out
  gemm.epilogue = gelu ? LtEpilogue::kGeluTanhBias : LtEpilogue::kBias;
  // cuBLASLt takes the bias in out's type: an f16 out's f32 bias goes through an f16 copy of it.
  const std::size_t narrow_bias_bytes = static_cast<std::size_t>(shape.n) * sizeof(cuda_kernels::Half);
  void* narrow_bias =
      half_out && bias != nullptr ? Reused(Reuse::kNarrowBias, narrow_bias_bytes, kOperation) : nullptr;
  gemm.bias = narrow_bias != nullptr ? narrow_bias : bias;
  std::string why_not;
  const bool fused = FusesEpilogue(gemm, bias != nullptr, gelu, &why_not);
  const ProfileScope profile(profile_.get(), [&] {
    const char* into = half_out ? "f16" : gemm.accumulate ? "f32 +=" : "f32";
    const std::string path = fused                     ? "cublasLt epilogue"
                             : bias != nullptr || gelu ? "gemm + epilogue kernel: " + why_not
                                                       : "gemm";
    return std::string(gelu ? "Linear+gelu " : "Linear ") + Dims({shape.m, shape.n, shape.k}) + " f16 f16→" +
           into + " [" + path + "]";
  });
  if (fused) {
    if (narrow_bias != nullptr) {
      cuda_kernels::F32ToF16(bias, static_cast<uint16_t*>(narrow_bias), shape.n, state_->stream);
      CheckLaunch(kOperation);
    }
    lt_->Run(gemm, Reused(Reuse::kLtWorkspace, CublasLtGemms::kWorkspaceBytes, kOperation), state_->stream);
    epilogue_counts_.in_gemm += 1;
    return;
  }
  CublasGemm(x, shape.m, shape.k, weight, gemm.accumulate, out.raw(), out.dtype());
  if (bias == nullptr && !gelu)
    return;
  // The GEMM's sums are rounded to out's type, then the bias (and GELU) applied in f32 and rounded again.
  if (half_out)
    cuda_kernels::BiasEpilogue(out.data<cuda_kernels::Half>(), bias, shape.m, shape.n, gelu, state_->stream);
  else
    cuda_kernels::BiasEpilogue(out.data<float>(), bias, shape.m, shape.n, gelu, state_->stream);
  CheckLaunch(kOperation);
  epilogue_counts_.in_kernel += 1;
}

bool CudaBackend::FusesEpilogue(const LtGemm& gemm, bool has_bias, bool gelu, std::string* why_not) {
  if (lt_ == nullptr) {
    *why_not = "no cuBLASLt (" + lt_missing_why_ + ")";
    return false;
  }
  if (!has_bias) {
    *why_not = "no bias";  // a GELU without a bias: not Whisper's, left to the kernel
    return false;
  }
  if (gelu && !gelu_in_epilogue_) {
    *why_not = "exact GELU";  // cuBLASLt's GELU is the tanh approximation
    return false;
  }
  return lt_->Supports(gemm, why_not);
}

void CudaBackend::LinearIntoHalf(
    const float* x, int64_t m, int64_t k, const Tensor& weight, const float* bias, bool gelu, Tensor& out) {
  constexpr const char* kOperation = "CudaBackend::Linear";
  const int64_t n = weight.dim(0);
  cuda_kernels::Half* half_out = out.data<cuda_kernels::Half>();
  if (weight.dtype() == DType::kF16) {
    // Straight into the cache: cuBLAS rounds its f32 sums to f16 once (the bias, if any, rounds once more).
    Gemm(x, m, k, weight, false, half_out, DType::kF16);
    cuda_kernels::BiasEpilogue(half_out, bias, m, n, gelu, state_->stream);
  } else {
    // cuBLAS writes f16 only from f16 operands: f32 and bf16 weights go through an f32 buffer.
    std::shared_ptr<void> wide = Scratch(static_cast<std::size_t>(m * n) * sizeof(float), kOperation);
    float* wide_out = static_cast<float*>(wide.get());
    Gemm(x, m, k, weight, false, wide_out);
    cuda_kernels::BiasEpilogue(wide_out, bias, m, n, gelu, state_->stream);
    cuda_kernels::F32ToF16(wide_out, half_out, m * n, state_->stream);
  }
  CheckLaunch(kOperation);
}

void CudaBackend::LayerNorm(const Tensor& x, const Tensor& gain, const Tensor& offset, Tensor& out) {
  constexpr const char* kOperation = "CudaBackend::LayerNorm";
  const int64_t rows =
      CheckLayerNorm(x, gain, offset, out, Device::kCuda, IntermediateDTypes::kF32OrF16, kOperation);
  const int64_t width = gain.numel();
  const bool half_out = out.dtype() == DType::kF16;
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (Replaying({Part(StepOperation::kLayerNorm), Id(x.raw()), Id(gain.raw()), Id(offset.raw()),
                 Id(out.raw()), Part(rows), Part(width), Part(out.dtype())})) {
    return;
  }
  cudaSetDevice(state_->device);
  const ProfileScope profile(profile_.get(), [&] {
    return "LayerNorm " + Dims({rows, width}) + (half_out ? " → f16" : "");
  });
  if (half_out) {
    cuda_kernels::LayerNorm(x.data<float>(), gain.data<float>(), offset.data<float>(), kLayerNormEpsilon,
                            rows, width, out.data<cuda_kernels::Half>(), state_->stream);
  } else {
    cuda_kernels::LayerNorm(x.data<float>(), gain.data<float>(), offset.data<float>(), kLayerNormEpsilon,
                            rows, width, out.data<float>(), state_->stream);
  }
  CheckLaunch(kOperation);
}

void CudaBackend::Transpose(const Tensor& x, Tensor& out) {
  constexpr const char* kOperation = "CudaBackend::Transpose";
  CheckTranspose(x, out, Device::kCuda, kOperation);
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  NotInSteps();  // the encoder's
  cudaSetDevice(state_->device);
  const ProfileScope profile(profile_.get(), [&] {
    return "Transpose " + Dims({x.dim(0), x.dim(1), x.dim(2)});
  });
  cuda_kernels::Transpose(x.data<float>(), x.dim(0), x.dim(1), x.dim(2), out.data<float>(), state_->stream);
  CheckLaunch(kOperation);
}

void CudaBackend::Conv1dGelu(
    const Tensor& x, const Tensor& weight, const Tensor& bias, int stride, Tensor& out) {
  constexpr const char* kOperation = "CudaBackend::Conv1dGelu";
  const int64_t n_out_frames = CheckConv1dGelu(x, weight, bias, stride, out, Device::kCuda, kOperation);
  const int64_t n_batch = x.dim(0), n_in_frames = x.dim(1), n_in_channels = x.dim(2);
  const int64_t n_out_channels = weight.dim(0);
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  NotInSteps();  // the encoder's
  cudaSetDevice(state_->device);
  const ProfileScope profile(profile_.get(), [&] {
    return "Conv1dGelu " + Dims({n_batch, n_in_frames, n_in_channels, n_out_channels});
  });
  // im2col, then one GEMM with the [C_out, C_in · 3] weight as stored (the CPU backend's plan, all windows at
  // once). For an f16 weight the columns are f16 already: the GEMM would round them so, and they take half
  // the memory (the encoder's front-end is its largest at a slice: 3 · C_in columns a frame).
  const int64_t patch = n_in_channels * kConvKernelSize;
  const int64_t n_columns = n_batch * n_out_frames * patch;
  const bool half_columns = weight.dtype() == DType::kF16;
  std::shared_ptr<void> columns = Scratch(
      static_cast<std::size_t>(n_columns) * (half_columns ? sizeof(uint16_t) : sizeof(float)), kOperation);
  for (int64_t batch = 0; batch < n_batch; ++batch) {
    const float* window = x.data<float>() + batch * n_in_frames * n_in_channels;
    const int64_t first = batch * n_out_frames * patch;
    if (half_columns) {
      cuda_kernels::Im2Col3(window, n_in_frames, n_in_channels, stride, n_out_frames,
                            static_cast<uint16_t*>(columns.get()) + first, state_->stream);
    } else {
      cuda_kernels::Im2Col3(window, n_in_frames, n_in_channels, stride, n_out_frames,
                            static_cast<float*>(columns.get()) + first, state_->stream);
    }
  }
  CheckLaunch(kOperation);
  const Tensor weight_matrix(weight.dtype(), {n_out_channels, patch}, weight.raw(), nullptr, Device::kCuda);
  if (half_columns)
    CublasGemm(columns.get(), n_batch * n_out_frames, patch, weight_matrix, false, out.data<float>(),
               DType::kF32);
  else
    Gemm(static_cast<const float*>(columns.get()), n_batch * n_out_frames, patch, weight_matrix, false,
         out.data<float>());
  cuda_kernels::BiasEpilogue(out.data<float>(), bias.data<float>(), n_batch * n_out_frames, n_out_channels,
                             true, state_->stream);
  CheckLaunch(kOperation);
}

void CudaBackend::AddPositionalEmbedding(const Tensor& table, const int* first_positions, Tensor& x) {
  constexpr const char* kOperation = "CudaBackend::AddPositionalEmbedding";
  CheckPositionalEmbedding(table, first_positions, x, Device::kCuda, kOperation);
  const int64_t n_batch = x.dim(0), n_frames = x.dim(1), width = x.dim(2);
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  std::shared_ptr<void> keep;
  const cuda_kernels::IntArray positions = Ints(first_positions, n_batch, keep, kOperation);
  if (Replaying({Part(StepOperation::kAddPositionalEmbedding), Id(table.raw()), Id(x.raw()), Part(n_batch),
                 Part(n_frames), Part(width), positions.present})) {
    return;
  }
  cudaSetDevice(state_->device);
  const ProfileScope profile(profile_.get(), [&] {
    return "AddPositionalEmbedding " + Dims({n_batch, n_frames, width});
  });
  cuda_kernels::AddPositional(table.data<float>(), positions, n_batch, n_frames, width, x.data<float>(),
                              state_->stream);
  CheckLaunch(kOperation);
}

void CudaBackend::EmbedTokens(const int32_t* tokens, const Tensor& table, Tensor& out) {
  constexpr const char* kOperation = "CudaBackend::EmbedTokens";
  const int64_t n_tokens = CheckEmbedTokens(tokens, table, out, Device::kCuda, kOperation);
  const int64_t width = table.dim(1);
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  // In a step's capture or replay the tokens go through its arena; otherwise they are uploaded.
  const int32_t* device_tokens = step_graph_ != nullptr ? step_graph_->Ints(tokens, n_tokens) : nullptr;
  if (Replaying({Part(StepOperation::kEmbedTokens), Id(table.raw()), Id(out.raw()), Part(n_tokens),
                 Part(width), Part(table.dtype())})) {
    return;
  }
  cudaSetDevice(state_->device);
  const ProfileScope profile(profile_.get(), [&] { return "EmbedTokens " + Dims({n_tokens, width}); });
  std::shared_ptr<void> uploaded;
  if (device_tokens == nullptr) {
    uploaded = UploadInts(tokens, n_tokens, kOperation);
    device_tokens = static_cast<const int32_t*>(uploaded.get());
  }
  cuda_kernels::EmbedTokens(device_tokens, table.raw(), DTypeCode(table.dtype()), n_tokens, width,
                            out.data<float>(), state_->stream);
  CheckLaunch(kOperation);
}

void CudaBackend::Attention(
    const Tensor& q, const Tensor& k, const Tensor& v, int n_heads, const int* past_lengths, Tensor& out) {
  constexpr const char* kOperation = "CudaBackend::Attention";
  CheckAttention(q, k, v, n_heads, past_lengths, out, Device::kCuda, KvCacheDTypes::kF32OrF16,
                 IntermediateDTypes::kF32OrF16, kOperation);
  const int64_t n_batch = q.dim(0), n_queries = q.dim(1), n_keys = k.dim(1), d_model = q.dim(2);
  if (d_model / n_heads > 128)
    Fail(ErrorCode::kInternal, kOperation, "head width ", d_model / n_heads, " exceeds the kernel's 128");
  const bool causal = past_lengths != nullptr;
  const bool half_kv = k.dtype() == DType::kF16;
  const bool half_q = q.dtype() == DType::kF16;  // f16 intermediates: q, k, v and out all f16
  // f16 keys and values are rounded already: tensor cores lose little more on them, whatever the model.
  const bool tensor_cores = half_kv || (half_attention_ && !exact_attention_);
  enum class Kernel { kFlash, kSplit, kPerQuery };
  Kernel kernel = Kernel::kPerQuery;
  if (!causal && tensor_cores && cuda_kernels::FlashAttentionApplies(n_queries, d_model, n_heads, causal)) {
    kernel = Kernel::kFlash;
  } else if (cuda_kernels::SplitAttentionApplies(n_queries, d_model, n_heads)) {
    kernel = Kernel::kSplit;
  }
  const cuda_kernels::FlashKernel flash_kernel = cuda_kernels::FlashKernelThatRuns(
      old_flash_kernel_ ? cuda_kernels::FlashKernel::kSharedMemory : cuda_kernels::FlashKernel::kRegisters,
      half_kv);
  const cuda_kernels::SplitKernel split_kernel = cuda_kernels::SplitKernelThatRuns(
      old_decode_attention_ ? cuda_kernels::SplitKernel::kWarpShares : cuda_kernels::SplitKernel::kDecode,
      half_kv);
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  std::shared_ptr<void> keep;
  const cuda_kernels::IntArray lengths = Ints(past_lengths, n_batch, keep, kOperation);
  if (Replaying({Part(StepOperation::kAttention), Id(q.raw()), Id(k.raw()), Id(v.raw()), Id(out.raw()),
                 Part(n_batch), Part(n_queries), Part(n_keys), Part(d_model), static_cast<uint64_t>(n_heads),
                 causal, Part(q.dtype()), Part(k.dtype())})) {
    return;
  }
  cudaSetDevice(state_->device);
  const ProfileScope profile(profile_.get(), [&] {
    const char* names[] = {"flash", "split", "per-query"};
    // The newer kernels have labels of their own, so that profiles of both (VERBATIM_CUDA_FLASH=old,
    // VERBATIM_CUDA_DECODE_ATTENTION=old) compare.
    const bool registers = kernel == Kernel::kFlash && flash_kernel == cuda_kernels::FlashKernel::kRegisters;
    const bool decode = kernel == Kernel::kSplit && split_kernel == cuda_kernels::SplitKernel::kDecode;
    const char* name = registers ? "flash-mma" : decode ? "decode" : names[static_cast<int>(kernel)];
    return std::string("Attention/") + name + " q" + Dims({n_batch, n_queries}) + " k" +
           std::to_string(n_keys) + " d" + std::to_string(d_model) + (causal ? " causal" : "") +
           (half_kv ? " f16" : "") + (half_q ? " q/out f16" : "");
  });
  const cuda_kernels::AttentionShape shape{n_batch, n_queries, n_keys, d_model, n_heads};
  using cuda_kernels::Half;
  if (half_q && kernel == Kernel::kFlash) {
    cuda_kernels::FlashAttention(shape, q.data<Half>(), k.data<Half>(), v.data<Half>(), out.data<Half>(),
                                 state_->stream, flash_kernel);
    CheckLaunch(kOperation);
    return;
  }
  // The other kernels take q and out in f32: f16 ones (intermediates of a shape the flash kernel does not
  // take) go through f32 copies.
  std::shared_ptr<void> wide_q, wide_out;
  const float* q_data = half_q ? nullptr : q.data<float>();
  float* out_data = half_q ? nullptr : out.data<float>();
  if (half_q) {
    wide_q = Scratch(static_cast<std::size_t>(q.numel()) * sizeof(float), kOperation);
    wide_out = Scratch(static_cast<std::size_t>(out.numel()) * sizeof(float), kOperation);
    q_data = static_cast<const float*>(wide_q.get());
    out_data = static_cast<float*>(wide_out.get());
    cuda_kernels::WidenToF32(q.data<uint16_t>(), false, static_cast<float*>(wide_q.get()), q.numel(),
                             state_->stream);
  }
  // `keys` and `values` are float or Half: the kernels are templated on the cache's element.
  auto run = [&](const auto* keys, const auto* values) {
    switch (kernel) {
      case Kernel::kFlash:
        cuda_kernels::FlashAttention(shape, q_data, keys, values, out_data, state_->stream, flash_kernel);
        break;
      case Kernel::kSplit: {
        const int64_t n_partials = cuda_kernels::SplitAttentionScratchFloats(shape);
        void* partials = Reused(Reuse::kAttentionPartials,
                                static_cast<std::size_t>(n_partials) * sizeof(float), kOperation);
        cuda_kernels::SplitAttention(shape, q_data, keys, values, lengths, static_cast<float*>(partials),
                                     out_data, state_->stream, split_kernel);
        break;
      }
      case Kernel::kPerQuery:
        cuda_kernels::Attention(shape, q_data, keys, values, lengths, out_data, state_->stream);
        break;
    }
  };
  if (half_kv)
    run(k.data<Half>(), v.data<Half>());
  else
    run(k.data<float>(), v.data<float>());
  if (half_q)
    cuda_kernels::F32ToF16(out_data, out.data<uint16_t>(), out.numel(), state_->stream);
  CheckLaunch(kOperation);
}

void CudaBackend::CopyRows(
    const Tensor& src, const int* src_first_rows, int n_rows, const int* dst_first_rows, Tensor& dst) {
  constexpr const char* kOperation = "CudaBackend::CopyRows";
  CheckCopyRows(src, src_first_rows, n_rows, dst_first_rows, dst, Device::kCuda, KvCacheDTypes::kF32OrF16,
                kOperation);
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  const int64_t n_batch = src.dim(0);
  std::shared_ptr<void> keep_src, keep_dst;
  const cuda_kernels::IntArray src_first = Ints(src_first_rows, n_batch, keep_src, kOperation);
  const cuda_kernels::IntArray dst_first = Ints(dst_first_rows, n_batch, keep_dst, kOperation);
  if (Replaying({Part(StepOperation::kCopyRows), Id(src.raw()), Id(dst.raw()), Part(n_batch),
                 Part(src.dim(1)), Part(src.dim(2)), Part(dst.dim(1)), static_cast<uint64_t>(n_rows),
                 src_first.present, dst_first.present, Part(src.dtype()), Part(dst.dtype())})) {
    return;
  }
  cudaSetDevice(state_->device);
  const ProfileScope profile(profile_.get(), [&] {
    return "CopyRows " + Dims({src.dim(0), n_rows, src.dim(2)}) + " " + DTypeName(src.dtype()) + "→" +
           DTypeName(dst.dtype());
  });
  // One launch for the whole batch: a KV-cache append happens twice a layer every step.
  auto copy = [&](const auto* from, auto* to) {
    cuda_kernels::CopyRows(from, src.dim(1), src_first, to, dst.dim(1), dst_first, n_batch, n_rows,
                           src.dim(2), state_->stream);
  };
  using cuda_kernels::Half;
  if (src.dtype() == DType::kF16)
    copy(src.data<Half>(), dst.data<Half>());  // CheckCopyRows: an f16 source has an f16 destination
  else if (dst.dtype() == DType::kF16)
    copy(src.data<float>(), dst.data<Half>());  // a KV-cache append, rounded to f16
  else
    copy(src.data<float>(), dst.data<float>());
  CheckLaunch(kOperation);
}

void CudaBackend::ArgMaxRows(const Tensor& x, int32_t* host_out) {
  constexpr const char* kOperation = "CudaBackend::ArgMaxRows";
  CheckF32(x, kOperation, "the input");
  const int64_t n_columns = x.dim(x.rank() - 1), n_rows = n_columns == 0 ? 0 : x.numel() / n_columns;
  if (n_rows == 0)
    return;
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  NotInSteps();
  cudaSetDevice(state_->device);
  const ProfileScope profile(profile_.get(), [&] { return "ArgMaxRows " + Dims({n_rows, n_columns}); });
  void* columns =
      Reused(Reuse::kArgMaxColumns, static_cast<std::size_t>(n_rows) * sizeof(int32_t), kOperation);
  void* shares =
      Reused(Reuse::kArgMaxShares, cuda_kernels::ArgMaxScratchBytes(n_rows, n_columns), kOperation);
  cuda_kernels::ArgMaxRows(x.data<float>(), n_rows, n_columns, shares, static_cast<int32_t*>(columns),
                           state_->stream);
  CheckLaunch(kOperation);
  CheckCuda(cudaMemcpyAsync(host_out, columns, static_cast<std::size_t>(n_rows) * sizeof(int32_t),
                            cudaMemcpyDeviceToHost, state_->stream),
            kOperation, "copy");
  CheckCuda(cudaStreamSynchronize(state_->stream), kOperation, "waiting for the GPU");
}

void CudaBackend::LogMel(const Tensor& samples, int n_mels, Tensor& out) {
  constexpr const char* kOperation = "CudaBackend::LogMel";
  const int64_t n_batch = CheckLogMel(samples, n_mels, out, Device::kCuda, kOperation);
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  NotInSteps();
  cudaSetDevice(state_->device);
  const cuda_kernels::LogMelTables* tables = LogMelTablesFor(n_mels, kOperation);
  const ProfileScope profile(profile_.get(), [&] { return "LogMel " + Dims({n_batch, n_mels}); });
  cuda_kernels::LogMel(tables, n_mels, samples.data<float>(), n_batch, out.data<float>(), state_->stream);
  CheckLaunch(kOperation);
}

const cuda_kernels::LogMelTables* CudaBackend::LogMelTablesFor(int n_mels, const char* operation) {
  std::shared_ptr<void>& slot = log_mel_tables_[n_mels == cuda_kernels::kMostMelBins ? 1 : 0];
  if (slot == nullptr) {
    const auto host = std::make_unique<cuda_kernels::LogMelTables>();
    cuda_kernels::FillLogMelTables(n_mels, operation, host.get());
    void* pointer = nullptr;
    CheckCuda(cudaMalloc(&pointer, sizeof(*host)), operation, "log-mel tables allocation");
    const int device = state_->device;
    std::shared_ptr<void> memory(pointer, [device](void* p) {
      cudaSetDevice(device);
      cudaFree(p);
    });
    // On the backend's stream, so that the kernels after it see the tables; waited for before `host` goes.
    CheckCuda(cudaMemcpyAsync(pointer, host.get(), sizeof(*host), cudaMemcpyHostToDevice, state_->stream),
              operation, "uploading the log-mel tables");
    CheckCuda(cudaStreamSynchronize(state_->stream), operation, "uploading the log-mel tables");
    state_->weight_bytes += sizeof(*host);
    slot = std::move(memory);
  }
  return static_cast<const cuda_kernels::LogMelTables*>(slot.get());
}

std::shared_ptr<float> CudaBackend::AllocateHostFloats(std::size_t n) {
  constexpr const char* kOperation = "CudaBackend::AllocateHostFloats";
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  NotInSteps();
  cudaSetDevice(state_->device);
  void* pointer = nullptr;
  CheckCuda(cudaMallocHost(&pointer, (n == 0 ? 1 : n) * sizeof(float)), kOperation,
            "page-locked host memory");
  return std::shared_ptr<float>(static_cast<float*>(pointer), [](float* p) { cudaFreeHost(p); });
}

bool CudaBackend::Replaying(std::initializer_list<uint64_t> parts) {
  if (step_graph_ == nullptr || step_graph_->mode() == StepGraph::Mode::kOff)
    return false;
  return step_graph_->Skip(StepGraph::Signature(parts));
}

void CudaBackend::NotInSteps() {
  if (step_graph_ != nullptr)
    step_graph_->NotInSteps();
}

CudaBackend::StepGraphCounts CudaBackend::step_graph_counts() const {
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  StepGraphCounts counts;
  if (step_graph_ == nullptr) {
    counts.why_off = graphs_off_why_;
    return counts;
  }
  counts.captures = step_graph_->captures();
  counts.launches = step_graph_->launches();
  if (step_graph_->disabled())
    counts.why_off = step_graph_->why_not();
  return counts;
}

void CudaBackend::RunRepeatedStep(const std::function<void()>& step) {
  if (step_graph_ == nullptr) {
    step();
    return;
  }
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  cudaSetDevice(state_->device);
  StepGraph& graph = *step_graph_;
  if (graph.disabled()) {
    step();
    return;
  }
  if (graph.has_graph()) {
    // Replay: the operations write their ints and check that they are the graph's; nothing runs until the
    // end.
    graph.BeginReplay();
    bool matched = true;
    try {
      step();
    } catch (const StepMismatch&) {
      matched = false;
    } catch (...) {
      graph.Reset();
      throw;
    }
    if (matched && graph.EndReplay())
      return;
    graph.Reset();  // another step than the graph's: run it, recording the new sequence
  } else if (graph.capture_next()) {
    // The same sequence as the last recorded one: capture it (nothing runs while capturing), then launch it.
    std::string failure;
    try {
      graph.BeginCapture();
      step();
      graph.EndCapture();
      if (graph.has_graph())
        return;
    } catch (const NotCapturable&) {
      graph.AbortCapture();
    } catch (const Error& error) {
      // An operation's check, or a CUDA call that a capture does not allow: which one, the run below says.
      graph.AbortCapture();
      failure = error.what();
    }
    if (!failure.empty()) {
      RecordStep(step);  // throws again if the operation itself failed
      graph.Disable("capturing a decoder step failed: " + failure);
      return;
    }
  }
  RecordStep(step);
}

void CudaBackend::RecordStep(const std::function<void()>& step) {
  StepGraph& graph = *step_graph_;
  graph.BeginRecord();
  try {
    step();
  } catch (...) {
    graph.Reset();
    throw;
  }
  graph.EndRecord();
}

}  // namespace verbatim
