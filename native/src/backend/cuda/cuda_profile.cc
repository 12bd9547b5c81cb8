#include "backend/cuda/cuda_profile.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace verbatim {
namespace {

constexpr std::size_t kCollectEvery = 4096;  // pending operations before their times are read
constexpr std::size_t kPrintedRows = 40;

}  // namespace

std::unique_ptr<CudaProfile> CudaProfile::FromEnvironment(cudaStream_t stream) {
  const char* wanted = std::getenv("VERBATIM_CUDA_PROFILE");
  if (wanted == nullptr || std::strcmp(wanted, "1") != 0)
    return nullptr;
  return std::make_unique<CudaProfile>(stream);
}

CudaProfile::~CudaProfile() {
  Collect();
  Print();
  for (cudaEvent_t event : spare_)
    cudaEventDestroy(event);
}

cudaEvent_t CudaProfile::TakeEvent() {
  if (spare_.empty()) {
    cudaEvent_t event = nullptr;
    cudaEventCreate(&event);
    return event;
  }
  cudaEvent_t event = spare_.back();
  spare_.pop_back();
  return event;
}

void CudaProfile::Begin(std::string label) {
  if (pending_.size() >= kCollectEvery)
    Collect();
  Pending pending{std::move(label), TakeEvent(), TakeEvent()};
  cudaEventRecord(pending.start, stream_);
  pending_.push_back(std::move(pending));
}

void CudaProfile::End() {
  if (!pending_.empty())
    cudaEventRecord(pending_.back().stop, stream_);
}

void CudaProfile::Collect() {
  if (pending_.empty())
    return;
  cudaEventSynchronize(pending_.back().stop);
  for (Pending& pending : pending_) {
    float ms = 0.0f;
    if (cudaEventElapsedTime(&ms, pending.start, pending.stop) == cudaSuccess) {
      Totals& totals = totals_[pending.label];
      totals.ms += ms;
      totals.max_ms = std::max(totals.max_ms, static_cast<double>(ms));
      totals.calls += 1;
    } else {
      cudaGetLastError();  // an operation that failed before its end was recorded
    }
    spare_.push_back(pending.start);
    spare_.push_back(pending.stop);
  }
  pending_.clear();
}

void CudaProfile::Print() {
  std::vector<std::pair<std::string, Totals>> rows(totals_.begin(), totals_.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });
  double all_ms = 0.0;
  for (const auto& row : rows)
    all_ms += row.second.ms;
  std::fprintf(stderr, "[cuda profile] GPU time of every operation since the backend started: %.1f ms\n",
               all_ms);
  std::fprintf(stderr, "[cuda profile] %10s %6s %9s %10s %10s  %s\n", "ms", "%", "calls", "us/call", "max us",
               "operation");
  for (std::size_t i = 0; i < rows.size() && i < kPrintedRows; ++i) {
    const Totals& totals = rows[i].second;
    std::fprintf(stderr, "[cuda profile] %10.1f %6.1f %9lld %10.1f %10.1f  %s\n", totals.ms,
                 all_ms > 0 ? 100.0 * totals.ms / all_ms : 0.0, static_cast<long long>(totals.calls),
                 1000.0 * totals.ms / static_cast<double>(totals.calls), 1000.0 * totals.max_ms,
                 rows[i].first.c_str());
  }
}

}  // namespace verbatim
