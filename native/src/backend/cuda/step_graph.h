// A decoder step as a CUDA graph: recorded once, replayed step after step with new host ints.
//
// A large-v3 decoder step is ~650 small launches (20 a layer); launched one by one, the GPU waits on the host
// between them. Backend::RunRepeatedStep hands the CUDA backend a step's operations as one unit, and
// StepGraph turns them into a graph in three calls of the same sequence:
//
//   1. record: the operations run as always; each notes its signature (the operation, its tensors' addresses,
//      shapes and dtypes) and how many host ints it passes to its kernels;
//   2. capture: the same sequence again — signatures equal — is captured into a graph instead of run, then
//      instantiated and launched. Every host int array goes to a pinned arena, and the kernels read it from a
//      device copy at a fixed address, which the graph's first node refreshes from the arena;
//   3. replay: the operations are called again but launch nothing: each checks its signature against the
//      graph's and writes its ints to the arena at the same place; the graph is launched at the end.
//
// A step that differs (a cache grown, another batch) stops the replay at its first different operation —
// nothing has run yet, so it is simply run again and recorded. Operations that cannot be in a graph
// (allocations, copies to the host) make a sequence uncapturable; it then always runs as in 1.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace verbatim {

/** The identity of one operation in a step, mixed from its parts (see StepGraph::Signature). */
using StepSignature = uint64_t;

/** Thrown while replaying when an operation differs from the graph's (caught by StepGraph's user). */
struct StepMismatch {};
/** Thrown while capturing when an operation cannot be part of a graph (caught by StepGraph's user). */
struct NotCapturable {};

class StepGraph {
 public:
  enum class Mode { kOff, kRecord, kCapture, kReplay };

  /** @param stream the backend's cudaStream_t. */
  StepGraph(int device, void* stream);
  ~StepGraph();
  StepGraph(const StepGraph&) = delete;
  StepGraph& operator=(const StepGraph&) = delete;

  /** Mixes an operation's parts (an id, addresses, extents, flags) into its signature. */
  static StepSignature Signature(std::initializer_list<uint64_t> parts);
  /** One part standing for a host int array that shapes an operation (a decoder's rows per window). */
  static uint64_t Part(const std::vector<int>& values);

  Mode mode() const { return mode_; }

  // --- the three ways of running a step; the backend's RunRepeatedStep chooses (see step_graph.cc) ---

  /** Whether a graph is ready to replay. */
  bool has_graph() const { return exec_ != nullptr; }
  /** Whether the last recorded sequence may be captured. */
  bool capture_next() const;

  void BeginRecord();
  void EndRecord();
  void BeginReplay();
  /** Launches the graph when the whole sequence matched; false when the step ended early (then dropped). */
  bool EndReplay();
  /** Starts capturing on the stream (the arena's refresh first). Throws Error on a CUDA failure. */
  void BeginCapture();
  /** Ends the capture, instantiates and launches the graph. Throws NotCapturable, or Error. */
  void EndCapture();
  /** Ends a capture that failed; the sequence is not tried again. */
  void AbortCapture();
  /** Back to kOff after an operation failed, dropping the graph (its tensors may be gone). */
  void Reset();
  /** No graphs from now on (a capture failed for a reason that would repeat); `why` is kept for the profile.
   */
  void Disable(const std::string& why);
  bool disabled() const { return disabled_; }
  /** Why graphs were disabled. */
  const std::string& why_not() const { return why_not_; }
  /** Drops the graph (not a recording): a buffer it reads has moved. */
  void ForgetGraph() { DropGraph(); }
  /** The graph was launched this many times (for tests): replays and first launches after a capture. */
  int64_t launches() const { return launches_; }
  int64_t captures() const { return captures_; }

  // --- what operations call ---

  /**
   * Every operation calls this before launching anything. Returns true when it must not launch (a replay);
   * throws StepMismatch when replaying and the operation is not the graph's next one.
   */
  bool Skip(StepSignature signature);
  /** An operation that cannot be in a graph: marks a recording uncapturable, fails a capture or replay. */
  void NotInSteps();
  /**
   * In a capture or replay, `host[0, n)` written to the arena and its device copy's address (stable from
   * capture to replay); otherwise nullptr (the caller passes the ints as it always does) — recording counts
   * them.
   */
  const int32_t* Ints(const int* host, int64_t n);

 private:
  void EnsureArena(int64_t n_ints);
  void DropGraph();

  int device_;
  void* stream_;
  Mode mode_ = Mode::kOff;
  bool disabled_ = false;
  std::string why_not_;

  // The sequence being recorded or captured, and the graph's.
  std::vector<StepSignature> recorded_, captured_, graph_signatures_;
  int64_t recorded_ints_ = 0;
  bool recorded_capturable_ = true;
  std::unordered_set<StepSignature> uncapturable_;  // whole-sequence hashes never to capture again
  StepSignature recorded_hash_ = 0;

  std::size_t next_operation_ = 0;  // in a replay: the index of the next operation
  int64_t arena_cursor_ = 0;
  int64_t graph_ints_ = 0;  // ints the graph's operations read

  int32_t* host_arena_ = nullptr;  // pinned
  int32_t* device_arena_ = nullptr;
  int64_t arena_capacity_ = 0;
  void* arena_free_ = nullptr;  // cudaEvent_t: the graph's last launch is done reading the arena

  void* exec_ = nullptr;  // cudaGraphExec_t
  int64_t launches_ = 0, captures_ = 0;
};

}  // namespace verbatim
