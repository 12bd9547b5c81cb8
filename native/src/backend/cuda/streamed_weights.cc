#include "backend/cuda/streamed_weights.h"

#include <cstring>

#include "backend/cuda/cuda_backend_support.h"

namespace verbatim {
namespace {

constexpr const char* kOperation = "CudaBackend (streamed weights)";
constexpr std::size_t kAlignment = 256;  // each weight's device copy starts on a 256-byte boundary

std::size_t Aligned(std::size_t bytes) {
  return (bytes + kAlignment - 1) / kAlignment * kAlignment;
}

}  // namespace

StreamedWeights::StreamedWeights(int device, cudaStream_t compute, Allocate allocate)
    : device_(device), compute_(compute), allocate_(std::move(allocate)) {
  cudaSetDevice(device_);
  CheckCuda(cudaStreamCreateWithFlags(&copy_, cudaStreamNonBlocking), kOperation, "creating the copy stream");
  CheckCuda(cudaEventCreateWithFlags(&issued_, cudaEventDisableTiming), kOperation, "creating an event");
  for (Slot& slot : slots_)
    CheckCuda(cudaEventCreateWithFlags(&slot.copied, cudaEventDisableTiming), kOperation,
              "creating an event");
}

StreamedWeights::~StreamedWeights() {
  cudaSetDevice(device_);
  if (copy_ != nullptr)
    cudaStreamSynchronize(copy_);
  for (Slot& slot : slots_) {
    if (slot.copied != nullptr)
      cudaEventDestroy(slot.copied);
  }
  if (issued_ != nullptr)
    cudaEventDestroy(issued_);
  if (copy_ != nullptr)
    cudaStreamDestroy(copy_);
}

Tensor StreamedWeights::Keep(const Tensor& host_weight) {
  const std::size_t bytes = host_weight.nbytes();
  void* pointer = nullptr;
  // Mapped: a kernel may read it where it is (the fallback for a weight used without a prefetch).
  CheckCuda(cudaHostAlloc(&pointer, bytes == 0 ? 1 : bytes, cudaHostAllocMapped | cudaHostAllocPortable),
            kOperation, "page-locked host memory for a weight");
  std::shared_ptr<void> memory(pointer, [](void* p) { cudaFreeHost(p); });
  std::memcpy(pointer, host_weight.raw(), bytes);
  kept_.insert(pointer);
  host_bytes_ += bytes;
  return Tensor(host_weight.dtype(), host_weight.shape(), pointer, memory, Device::kCuda);
}

void StreamedWeights::Prefetch(const std::vector<const Tensor*>& weights) {
  Slot& slot = slots_[next_slot_];
  next_slot_ = 1 - next_slot_;
  std::size_t bytes = 0;
  for (const Tensor* weight : weights)
    bytes += Aligned(weight->nbytes());
  cudaSetDevice(device_);
  if (!slot.waited) {
    // A group copied but never used: its copy must end before the slot is reused or freed.
    CheckCuda(cudaStreamWaitEvent(compute_, slot.copied, 0), kOperation, "waiting for a copy");
    slot.waited = true;
  }
  if (slot.bytes < bytes) {
    slot.memory.reset();  // freed in stream order, after the operations that read it
    slot.memory = allocate_(bytes);
    slot.bytes = bytes;
  }
  slot.device_of.clear();
  // The copies wait for everything issued so far on the compute stream: the last readers of the slot's
  // previous group (and the allocation above).
  CheckCuda(cudaEventRecord(issued_, compute_), kOperation, "recording an event");
  CheckCuda(cudaStreamWaitEvent(copy_, issued_, 0), kOperation, "ordering the copies");
  std::size_t offset = 0;
  for (const Tensor* weight : weights) {
    if (kept_.count(weight->raw()) == 0)
      continue;  // not a kept weight: it is on the device already
    char* device = static_cast<char*>(slot.memory.get()) + offset;
    CheckCuda(cudaMemcpyAsync(device, weight->raw(), weight->nbytes(), cudaMemcpyHostToDevice, copy_),
              kOperation, "copying a weight");
    slot.device_of[weight->raw()] = device;
    offset += Aligned(weight->nbytes());
  }
  CheckCuda(cudaEventRecord(slot.copied, copy_), kOperation, "recording an event");
  slot.waited = false;
  ++copies_;
}

Tensor StreamedWeights::Resident(const Tensor& weight) {
  for (Slot& slot : slots_) {
    const auto found = slot.device_of.find(weight.raw());
    if (found == slot.device_of.end())
      continue;
    if (!slot.waited) {
      CheckCuda(cudaStreamWaitEvent(compute_, slot.copied, 0), kOperation, "waiting for a copy");
      slot.waited = true;
    }
    return Tensor(weight.dtype(), weight.shape(), found->second, slot.memory, Device::kCuda);
  }
  if (kept_.count(weight.raw()) != 0)
    ++misses_;
  return weight;
}

}  // namespace verbatim
