#pragma once
// For the .cu files only (nvcc): the tensor-core building blocks that the register-resident attention kernels
// share (flash_attention_mma.cu, audio_attention.cu) — cp.async copies into shared memory, ldmatrix loads,
// one mma.sync m16n8k16 step, exp2, and the row reductions of a C fragment.
//
// Fragment layouts of mma.sync.aligned.m16n8k16 with f16 A and B and f32 C (PTX ISA, "Matrix Fragments for
// mma.m16n8k16"). A lane's group g = lane / 4 and its place in the group t = lane % 4:
//   A (16 rows × 16 k, four b32 registers of two f16 each, the lower half the lower column):
//     a0 = row g,     columns 2t, 2t+1      a1 = row g + 8, columns 2t, 2t+1
//     a2 = row g,     columns 2t+8, 2t+9    a3 = row g + 8, columns 2t+8, 2t+9
//   B (16 k × 8 columns, two b32 registers): b0 = k 2t, 2t+1 of column g; b1 = k 2t+8, 2t+9 of column g.
//   C (16 × 8, four f32): c0, c1 = row g, columns 2t, 2t+1; c2, c3 = row g + 8, columns 2t, 2t+1.
// ldmatrix.m8n8.x4 reads four 8×8 b16 matrices, matrix m's eight row addresses given by lanes 8m … 8m+7;
// register m of lane L then holds row L / 4, columns 2(L % 4) and the one after, of matrix m (with .trans:
// rows 2(L % 4) and the one after of column L / 4). So an 8×8 block lands exactly as one register of A or
// B above.
//
// The fact that keeps softmax weights in registers: S's C fragments for key columns 16j … 16j+7 (n-tile 2j)
// and 16j+8 … 16j+15 (n-tile 2j+1) hold, for a lane, row g and row g + 8 at keys 2t, 2t+1 and 2t+8, 2t+9 of
// that 16-key chunk: precisely what A registers a0 … a3 of P·V's k-step j need. Rows never leave their
// group of four lanes, so a row's max and sum need only two shuffles.

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace verbatim::cuda_kernels::mma {

constexpr unsigned kAllLanes = 0xffffffffu;
constexpr int kRowChunk = 8;  // halves in 16 bytes: a cp.async, an ldmatrix row

__device__ inline uint32_t SharedAddress(const void* pointer) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(pointer));
}

/** 16 bytes from global to shared memory without passing registers; zeros instead when !`valid`. */
__device__ inline void CopyAsync(void* shared, const void* global, bool valid) {
  const int source_bytes = valid ? 16 : 0;  // cp.async fills the rest of the 16 bytes with zeros
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(SharedAddress(shared)), "l"(global),
               "r"(source_bytes)
               : "memory");
}
__device__ inline void CommitCopies() {
  asm volatile("cp.async.commit_group;\n" ::: "memory");
}
/** Waits until at most `kPending` of this thread's newest committed copy groups are still in flight. */
template <int kPending>
__device__ inline void WaitForCopies() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(kPending) : "memory");
}

__device__ inline void LoadMatrices(uint32_t (&registers)[4], const __half* row_address) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(registers[0]), "=r"(registers[1]), "=r"(registers[2]), "=r"(registers[3])
               : "r"(SharedAddress(row_address)));
}
__device__ inline void LoadMatricesTransposed(uint32_t (&registers)[4], const __half* row_address) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(registers[0]), "=r"(registers[1]), "=r"(registers[2]), "=r"(registers[3])
               : "r"(SharedAddress(row_address)));
}

/** c += a · b on tensor cores: one m16n8k16 step, f16 operands, f32 accumulation. */
__device__ inline void MultiplyAdd(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

/** 2^x in one instruction (ex2.approx: relative error ~2⁻²²; 2^−∞ = 0). */
__device__ inline float Exp2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

/** Two floats as one f16x2 register, `low` in the lower half (the lower column of a fragment pair). */
__device__ inline uint32_t PackHalves(float low, float high) {
  const __half2 pair = __floats2half2_rn(low, high);
  return *reinterpret_cast<const uint32_t*>(&pair);
}

/** Max over the four lanes that share a row (lanes 4g … 4g+3). */
__device__ inline float RowMax(float x) {
  x = fmaxf(x, __shfl_xor_sync(kAllLanes, x, 1));
  return fmaxf(x, __shfl_xor_sync(kAllLanes, x, 2));
}
__device__ inline float RowSum(float x) {
  x += __shfl_xor_sync(kAllLanes, x, 1);
  return x + __shfl_xor_sync(kAllLanes, x, 2);
}

}  // namespace verbatim::cuda_kernels::mma
