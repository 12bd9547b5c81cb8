#include "backend/cuda/step_graph.h"

#include <cuda_runtime.h>

#include <algorithm>

#include "core/fail.h"

namespace verbatim {
namespace {

constexpr const char* kOperation = "CudaBackend::RunRepeatedStep";
constexpr int64_t kFirstArenaInts = 4096;

cudaStream_t AsStream(void* stream) {
  return static_cast<cudaStream_t>(stream);
}

void Check(cudaError_t status, const char* what) {
  if (status == cudaSuccess)
    return;
  cudaGetLastError();
  Fail(ErrorCode::kBackend, kOperation, what, ": ", cudaGetErrorName(status), " (",
       cudaGetErrorString(status), ")");
}

/** splitmix64's finaliser: every input bit moves about half the output bits. */
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/** Mix of a sequence's length and values, in order (each value as its 64-bit pattern). */
template <typename Values>
StepSignature MixAll(const Values& values) {
  StepSignature hash = Mix(values.size());
  for (const auto value : values)
    hash = Mix(hash ^ static_cast<uint64_t>(value));
  return hash;
}

StepSignature HashSequence(const std::vector<StepSignature>& sequence) {
  return MixAll(sequence);
}

}  // namespace

StepGraph::StepGraph(int device, void* stream) : device_(device), stream_(stream) {
  cudaEvent_t event = nullptr;
  Check(cudaEventCreateWithFlags(&event, cudaEventDisableTiming), "creating an event");
  arena_free_ = event;
}

StepGraph::~StepGraph() {
  cudaSetDevice(device_);
  DropGraph();
  if (arena_free_ != nullptr) {
    cudaEventSynchronize(static_cast<cudaEvent_t>(arena_free_));
    cudaEventDestroy(static_cast<cudaEvent_t>(arena_free_));
  }
  cudaFreeHost(host_arena_);
  cudaFree(device_arena_);
}

StepSignature StepGraph::Signature(std::initializer_list<uint64_t> parts) {
  return MixAll(parts);
}

uint64_t StepGraph::Part(const std::vector<int>& values) {
  return MixAll(values);
}

bool StepGraph::capture_next() const {
  return !disabled_ && recorded_capturable_ && !recorded_.empty() && uncapturable_.count(recorded_hash_) == 0;
}

void StepGraph::BeginRecord() {
  mode_ = Mode::kRecord;
  recorded_.clear();
  recorded_ints_ = 0;
  recorded_capturable_ = true;
}

void StepGraph::EndRecord() {
  mode_ = Mode::kOff;
  recorded_hash_ = HashSequence(recorded_);
}

void StepGraph::BeginReplay() {
  // The arena is about to be rewritten: the last launch's first node must have read it.
  Check(cudaEventSynchronize(static_cast<cudaEvent_t>(arena_free_)), "waiting for the last step");
  mode_ = Mode::kReplay;
  next_operation_ = 0;
  arena_cursor_ = 0;
}

bool StepGraph::EndReplay() {
  mode_ = Mode::kOff;
  if (next_operation_ != graph_signatures_.size() || arena_cursor_ != graph_ints_) {
    DropGraph();
    return false;
  }
  Check(cudaGraphLaunch(static_cast<cudaGraphExec_t>(exec_), AsStream(stream_)),
        "launching the step's graph");
  Check(cudaEventRecord(static_cast<cudaEvent_t>(arena_free_), AsStream(stream_)), "recording an event");
  ++launches_;
  return true;
}

void StepGraph::BeginCapture() {
  DropGraph();
  EnsureArena(recorded_ints_);
  Check(cudaEventSynchronize(static_cast<cudaEvent_t>(arena_free_)), "waiting for the last step");
  // Thread-local: another thread's CUDA calls are not caught up in this capture (they wait on the backend's
  // lock anyway); this thread's calls that cannot be captured fail instead of breaking the graph.
  Check(cudaStreamBeginCapture(AsStream(stream_), cudaStreamCaptureModeThreadLocal), "starting a capture");
  mode_ = Mode::kCapture;
  captured_.clear();
  arena_cursor_ = 0;
  if (recorded_ints_ > 0) {
    // The graph's first node: the step's ints, written to the arena by the host before each launch.
    const cudaError_t status = cudaMemcpyAsync(device_arena_, host_arena_,
                                               static_cast<std::size_t>(recorded_ints_) * sizeof(int32_t),
                                               cudaMemcpyHostToDevice, AsStream(stream_));
    if (status != cudaSuccess) {
      AbortCapture();
      Check(status, "capturing the arena's copy");
    }
  }
}

void StepGraph::EndCapture() {
  mode_ = Mode::kOff;
  cudaGraph_t graph = nullptr;
  Check(cudaStreamEndCapture(AsStream(stream_), &graph), "ending the capture");
  // A replay needs only the executable graph: the captured one goes once instantiated.
  const bool repeated = captured_ == recorded_ && arena_cursor_ == recorded_ints_;
  cudaGraphExec_t exec = nullptr;
  const cudaError_t status = repeated ? cudaGraphInstantiate(&exec, graph, 0) : cudaSuccess;
  cudaGraphDestroy(graph);
  if (!repeated) {
    recorded_.clear();  // the step did not repeat what was recorded: record it again next time
    return;
  }
  Check(status, "instantiating the step's graph");
  exec_ = exec;
  graph_signatures_ = captured_;
  graph_ints_ = arena_cursor_;
  ++captures_;
  Check(cudaGraphLaunch(exec, AsStream(stream_)), "launching the step's graph");
  Check(cudaEventRecord(static_cast<cudaEvent_t>(arena_free_), AsStream(stream_)), "recording an event");
  ++launches_;
}

void StepGraph::AbortCapture() {
  mode_ = Mode::kOff;
  cudaGraph_t graph = nullptr;
  cudaStreamEndCapture(AsStream(stream_), &graph);  // fails when the capture was invalidated: nothing to keep
  if (graph != nullptr)
    cudaGraphDestroy(graph);
  cudaGetLastError();
  uncapturable_.insert(recorded_hash_);
}

void StepGraph::Reset() {
  if (mode_ == Mode::kCapture) {
    AbortCapture();
    uncapturable_.erase(recorded_hash_);  // the failure was the operation's, not the capture's
  }
  mode_ = Mode::kOff;
  DropGraph();
  recorded_.clear();
}

void StepGraph::Disable(const std::string& why) {
  Reset();
  disabled_ = true;
  why_not_ = why;
}

bool StepGraph::Skip(StepSignature signature) {
  switch (mode_) {
    case Mode::kOff:
      return false;
    case Mode::kRecord:
      recorded_.push_back(signature);
      return false;
    case Mode::kCapture:
      captured_.push_back(signature);
      return false;
    case Mode::kReplay:
      if (next_operation_ >= graph_signatures_.size() || graph_signatures_[next_operation_] != signature)
        throw StepMismatch{};
      ++next_operation_;
      return true;
  }
  return false;
}

void StepGraph::NotInSteps() {
  switch (mode_) {
    case Mode::kOff:
      return;
    case Mode::kRecord:
      recorded_capturable_ = false;
      return;
    case Mode::kCapture:
      throw NotCapturable{};  // an allocation or a copy to or from the host
    case Mode::kReplay:
      throw StepMismatch{};
  }
}

const int32_t* StepGraph::Ints(const int* host, int64_t n) {
  if (host == nullptr || n == 0 || mode_ == Mode::kOff)
    return nullptr;
  if (mode_ == Mode::kRecord) {
    recorded_ints_ += n;
    return nullptr;
  }
  // Capture or replay: the recording sized the arena; a step that passes more is not the recorded one.
  const int64_t limit = mode_ == Mode::kCapture ? recorded_ints_ : graph_ints_;
  if (arena_cursor_ + n > limit) {
    if (mode_ == Mode::kReplay)
      throw StepMismatch{};
    throw NotCapturable{};  // the step passes more ints than when it was recorded
  }
  std::copy(host, host + n, host_arena_ + arena_cursor_);
  const int32_t* device = device_arena_ + arena_cursor_;
  arena_cursor_ += n;
  return device;
}

void StepGraph::EnsureArena(int64_t n_ints) {
  if (n_ints <= arena_capacity_)
    return;
  const int64_t capacity = std::max(kFirstArenaInts, 2 * n_ints);
  Check(cudaEventSynchronize(static_cast<cudaEvent_t>(arena_free_)), "waiting for the last step");
  DropGraph();  // it reads the old arena
  cudaFreeHost(host_arena_);
  cudaFree(device_arena_);
  host_arena_ = nullptr;
  device_arena_ = nullptr;
  arena_capacity_ = 0;
  void* host = nullptr;
  void* device = nullptr;
  Check(cudaMallocHost(&host, static_cast<std::size_t>(capacity) * sizeof(int32_t)),
        "the step's pinned arena");
  host_arena_ = static_cast<int32_t*>(host);
  Check(cudaMalloc(&device, static_cast<std::size_t>(capacity) * sizeof(int32_t)), "the step's device arena");
  device_arena_ = static_cast<int32_t*>(device);
  arena_capacity_ = capacity;
}

void StepGraph::DropGraph() {
  if (exec_ != nullptr) {
    // A launched graph may still run: it goes once the stream is past it.
    cudaEventSynchronize(static_cast<cudaEvent_t>(arena_free_));
    cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(exec_));
    exec_ = nullptr;
  }
  graph_signatures_.clear();
  graph_ints_ = 0;
}

}  // namespace verbatim
