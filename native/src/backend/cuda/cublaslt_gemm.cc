#include "backend/cuda/cublaslt_gemm.h"

#include "core/fail.h"

namespace verbatim {
namespace {

// cuBLASLt's alignment preferences default to 256 bytes, which would rule out every algorithm for an operand
// that is less aligned (a view into a tensor); each operand's own alignment, up to this, is passed instead.
constexpr uint32_t kMostAlignment = 256;
// The bias epilogue reads the bias in 16-byte vectors.
constexpr uint32_t kBiasAlignment = 16;

/** The largest power of two up to 256 that divides `pointer`'s address. */
uint32_t AlignmentOf(const void* pointer) {
  const auto address = reinterpret_cast<uintptr_t>(pointer);
  uint32_t alignment = kMostAlignment;
  while (alignment > 1 && address % alignment != 0)
    alignment /= 2;
  return alignment;
}

/** A heuristic search's preferences, destroyed when the search is done. */
struct PreferenceOwner {
  const CublasLtApi* api;
  CublasLtPreference preference = nullptr;
  ~PreferenceOwner() {
    if (preference != nullptr)
      api->preference_destroy(preference);
  }
};

const char* EpilogueName(LtEpilogue epilogue) {
  return epilogue == LtEpilogue::kBias ? "bias" : "gelu(tanh)+bias";
}

}  // namespace

struct CublasLtGemms::Plan {
  explicit Plan(const CublasLtApi* api) : api(api) {}
  ~Plan() {
    if (out_layout != nullptr)
      api->matrix_layout_destroy(out_layout);
    if (x_layout != nullptr)
      api->matrix_layout_destroy(x_layout);
    if (weight_layout != nullptr)
      api->matrix_layout_destroy(weight_layout);
    if (desc != nullptr)
      api->matmul_desc_destroy(desc);
  }
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;

  const CublasLtApi* api;
  CublasLtMatmulDesc desc = nullptr;
  CublasLtMatrixLayout weight_layout = nullptr, x_layout = nullptr, out_layout = nullptr;
  CublasLtAlgo algo{};
  bool usable = false;
  std::string why_not;
};

std::unique_ptr<CublasLtGemms> CublasLtGemms::Create(std::string* why) {
  const CublasLtApi* api = LoadCublasLt(why);
  if (api == nullptr)
    return nullptr;
  CublasLtHandle handle = nullptr;
  if (const int status = api->create(&handle); status != kCublasStatusSuccess) {
    if (why != nullptr)
      *why = std::string("cublasLtCreate: ") + CublasStatusName(status);
    return nullptr;
  }
  return std::unique_ptr<CublasLtGemms>(new CublasLtGemms(api, handle));
}

CublasLtGemms::CublasLtGemms(const CublasLtApi* api, CublasLtHandle handle) : api_(api), handle_(handle) {}

CublasLtGemms::~CublasLtGemms() {
  plans_.clear();  // their descriptors before the handle
  api_->destroy(handle_);
}

bool CublasLtGemms::Supports(const LtGemm& gemm, std::string* why_not) {
  const char* refusal = nullptr;
  if (gemm.bias == nullptr)
    refusal = "no bias";
  else if (AlignmentOf(gemm.bias) < kBiasAlignment)
    refusal = "bias not 16-byte aligned";
  else if (gemm.accumulate && gemm.out_type != CUDA_R_32F)
    refusal = "accumulating into a 16-bit out";
  if (refusal != nullptr) {
    if (why_not != nullptr)
      *why_not = refusal;
    return false;
  }
  const Plan& plan = PlanFor(gemm);
  if (!plan.usable && why_not != nullptr)
    *why_not = plan.why_not;
  return plan.usable;
}

void CublasLtGemms::Run(const LtGemm& gemm, void* workspace, void* stream) {
  const Plan& plan = PlanFor(gemm);
  if (!plan.usable)
    Fail(ErrorCode::kInternal, "CudaBackend::Linear", "cuBLASLt has no plan for ", gemm.m, "×", gemm.n, "×",
         gemm.k);
  // The plan was made for a bias of the same alignment: point its descriptor at this call's.
  Check(api_->matmul_desc_set_attribute(plan.desc, kCublasLtMatmulDescBiasPointer, &gemm.bias,
                                        sizeof(gemm.bias)),
        gemm, "cublasLtMatmulDescSetAttribute(BIAS_POINTER)");
  const float alpha = 1.0f, beta = gemm.accumulate ? 1.0f : 0.0f;
  // C and D are both out: in place, which cuBLASLt allows when their layouts are the same (they are one).
  Check(api_->matmul(handle_, plan.desc, &alpha, gemm.weight, plan.weight_layout, gemm.x, plan.x_layout,
                     &beta, gemm.out, plan.out_layout, gemm.out, plan.out_layout, &plan.algo, workspace,
                     kWorkspaceBytes, stream),
        gemm, "cublasLtMatmul");
}

CublasLtGemms::PlanKey CublasLtGemms::KeyOf(const LtGemm& gemm) {
  return PlanKey(gemm.m, gemm.n, gemm.k, static_cast<int>(gemm.out_type), static_cast<int>(gemm.epilogue),
                 AlignmentOf(gemm.x), AlignmentOf(gemm.weight), AlignmentOf(gemm.out),
                 AlignmentOf(gemm.bias));
}

CublasLtGemms::Plan& CublasLtGemms::PlanFor(const LtGemm& gemm) {
  std::unique_ptr<Plan>& plan = plans_[KeyOf(gemm)];
  if (plan == nullptr)
    plan = MakePlan(gemm);
  return *plan;
}

std::unique_ptr<CublasLtGemms::Plan> CublasLtGemms::MakePlan(const LtGemm& gemm) {
  auto plan = std::make_unique<Plan>(api_);
  // f16 products summed in f32 (CUBLAS_COMPUTE_32F); alpha and beta are f32 host values.
  Check(api_->matmul_desc_create(&plan->desc, kCublasCompute32F, CUDA_R_32F), gemm,
        "cublasLtMatmulDescCreate");
  auto set = [&](int attribute, const auto& value, const char* name) {
    Check(api_->matmul_desc_set_attribute(plan->desc, attribute, &value, sizeof(value)), gemm, name);
  };
  // Layouts. cuBLAS sees column-major matrices, so each row-major operand is its own transpose there:
  //   weight [n, k] row-major = a k×n column-major matrix (ld k): A, used transposed (TRANSA = T) → n×k;
  //   x      [m, k] row-major = a k×m column-major matrix (ld k): B, used as it is  (TRANSB = N) → k×m;
  //   out    [m, n] row-major = an n×m column-major matrix (ld n): C and D = Aᵀ·B, n×m.
  // D's rows are out's n features, and cuBLASLt's bias runs along D's rows (one value a row, broadcast over
  // its m columns): bias[j] is added to feature j of every row of x, as Linear wants.
  const int32_t transposed = kCublasOpT, as_is = kCublasOpN;
  set(kCublasLtMatmulDescTransA, transposed, "cublasLtMatmulDescSetAttribute(TRANSA)");
  set(kCublasLtMatmulDescTransB, as_is, "cublasLtMatmulDescSetAttribute(TRANSB)");
  const uint32_t epilogue =
      gemm.epilogue == LtEpilogue::kBias ? kCublasLtEpilogueBias : kCublasLtEpilogueGeluBias;
  set(kCublasLtMatmulDescEpilogue, epilogue, "cublasLtMatmulDescSetAttribute(EPILOGUE)");
  // The heuristics read the bias pointer's alignment (the bias type is left at its default: out's type).
  set(kCublasLtMatmulDescBiasPointer, gemm.bias, "cublasLtMatmulDescSetAttribute(BIAS_POINTER)");
  const auto rows = [](int64_t extent) { return static_cast<uint64_t>(extent); };
  Check(api_->matrix_layout_create(&plan->weight_layout, CUDA_R_16F, rows(gemm.k), rows(gemm.n), gemm.k),
        gemm, "cublasLtMatrixLayoutCreate(weight)");
  Check(api_->matrix_layout_create(&plan->x_layout, CUDA_R_16F, rows(gemm.k), rows(gemm.m), gemm.k), gemm,
        "cublasLtMatrixLayoutCreate(x)");
  Check(api_->matrix_layout_create(&plan->out_layout, gemm.out_type, rows(gemm.n), rows(gemm.m), gemm.n),
        gemm, "cublasLtMatrixLayoutCreate(out)");

  PreferenceOwner owner{api_};
  Check(api_->preference_create(&owner.preference), gemm, "cublasLtMatmulPreferenceCreate");
  const CublasLtPreference preference = owner.preference;
  auto prefer = [&](int attribute, const auto& value, const char* name) {
    Check(api_->preference_set_attribute(preference, attribute, &value, sizeof(value)), gemm, name);
  };
  const uint64_t workspace = kWorkspaceBytes;
  prefer(kCublasLtPrefMaxWorkspaceBytes, workspace,
         "cublasLtMatmulPreferenceSetAttribute(MAX_WORKSPACE_BYTES)");
  prefer(kCublasLtPrefMinAlignmentABytes, AlignmentOf(gemm.weight),
         "cublasLtMatmulPreferenceSetAttribute(A)");
  prefer(kCublasLtPrefMinAlignmentBBytes, AlignmentOf(gemm.x), "cublasLtMatmulPreferenceSetAttribute(B)");
  prefer(kCublasLtPrefMinAlignmentCBytes, AlignmentOf(gemm.out), "cublasLtMatmulPreferenceSetAttribute(C)");
  prefer(kCublasLtPrefMinAlignmentDBytes, AlignmentOf(gemm.out), "cublasLtMatmulPreferenceSetAttribute(D)");

  CublasLtHeuristicResult result{};
  int returned = 0;
  const int status =
      api_->algo_get_heuristic(handle_, plan->desc, plan->weight_layout, plan->x_layout, plan->out_layout,
                               plan->out_layout, preference, 1, &result, &returned);
  // No algorithm is an answer, not an error: the caller runs the GEMM and the epilogue apart.
  if (status != kCublasStatusSuccess)
    plan->why_not = std::string("no cuBLASLt algorithm (") + CublasStatusName(status) + ")";
  else if (returned < 1 || result.state != kCublasStatusSuccess)
    plan->why_not = "no cuBLASLt algorithm";
  else
    plan->algo = result.algo;
  plan->usable = plan->why_not.empty();
  return plan;
}

void CublasLtGemms::Check(int status, const LtGemm& gemm, const char* call) const {
  if (status == kCublasStatusSuccess)
    return;
  Fail(ErrorCode::kBackend, "CudaBackend::Linear", call, " for ", gemm.m, "×", gemm.n, "×", gemm.k, " f16 → ",
       gemm.out_type == CUDA_R_32F ? "f32" : "f16", gemm.accumulate ? " (+=)" : "", " with ",
       EpilogueName(gemm.epilogue), ": ", CublasStatusName(status));
}

}  // namespace verbatim
