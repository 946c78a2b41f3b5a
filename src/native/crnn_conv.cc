// Stride-1 2-D convolution (no bias) for MindSpore's CPU backend, as Custom "aot" kernels that
// run oneDNN's own convolutions: forward, backward-data and backward-weights.
//
// MindSpore 2.8 hands oneDNN plain NCHW tensors, for which oneDNN falls back to im2col + GEMM; here the
// activations are reordered to channels-last (nhwc; oneDNN's brgemm kernels) and the weights into the
// blocked layout the kernel asks for, the kernel runs, and the result is reordered back to NCHW.
// Primitives, reorders and buffers are built once per (kernel, shapes, precision) and cached (bounded).
//
// Every kernel has MindSpore's AOT signature: params = (input 0, input 1, output), all float32 NCHW /
// OIHW. CrnnConvBackward is backward-data and backward-weights in one call, params = (dy, x, w, dx, dw):
// the output gradient is reordered once for both (it is the largest tensor either reads);
// CrnnConvBackwardWeights alone serves a layer whose input needs no gradient. Padding is implied by the
// shapes (stride 1): total = output - input + kernel - 1, the larger half at the bottom/right, as MindSpore's pad_mode "same" does; "valid" gives 0.
// The "Bf16" entry points let oneDNN compute in bfloat16 (fp32 in, fp32 out, fp32 accumulation) where the
// CPU has bf16 instructions, and are the float32 kernels elsewhere (CrnnConvHasBf16 says which).
// CrnnConvBiasRelu is the inference kernel of a convolution whose BatchNorm the caller has folded into
// the weights and a bias: params = (input, weights, bias (1-D), output), relu(conv(x, w) + b) in one
// oneDNN primitive (forward_inference, bias, ReLU post-op). CrnnConvBiasReluPool follows that ("same"
// padding) with a max pooling whose window equals its stride, 2 or 1 per axis, read from the output shape
// (2 where it is smaller than the input), padded at the end as MindSpore's pad_mode "same" pads; the
// pooling reads the convolution's output in oneDNN's layout, and only the pooled result goes back to NCHW.
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

enum class Role { kForward, kBackward, kBackwardWeights, kBiasRelu, kBiasReluPool };

// The inference roles: a third input (the bias), ReLU fused.
bool TakesBias(Role role) { return role == Role::kBiasRelu || role == Role::kBiasReluPool; }

dnnl::engine &Engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// One operand of a kernel: the caller's plain layout, the primitive's layout and, when they differ,
// a cached reorder and blocked buffer.
struct Operand {
  int arg = 0;
  memory::desc plain;
  memory::desc chosen;
  bool needs_reorder = false;
  dnnl::reorder to_chosen;    // inputs: plain -> chosen
  dnnl::reorder to_plain;     // output: chosen -> plain
  memory buffer;

  void Prepare(int dnnl_arg, const memory::desc &plain_md, const memory::desc &chosen_md, bool is_output) {
    arg = dnnl_arg;
    plain = plain_md;
    chosen = chosen_md;
    needs_reorder = plain != chosen;
    if (!needs_reorder) return;
    buffer = memory(chosen, Engine());
    if (is_output) {
      to_plain = dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), chosen, Engine(), plain));
    } else {
      to_chosen = dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), plain, Engine(), chosen));
    }
  }
};

struct Plan {
  std::mutex lock;  // the buffers are reused: one call at a time per plan
  dnnl::primitive kernel;
  std::vector<Operand> inputs;
  Operand out;
  dnnl::primitive pool;  // kBiasReluPool: max pooling of the convolution's output, held in conv_out
  memory conv_out;
  memory scratchpad;  // owned here: a library-managed one is allocated (and page-faulted) every call
  // kBackward: the backward-weights kernel, run after the backward-data one (kernel, inputs = dy, w).
  // Its dy is the data kernel's dy as that kernel read it (reordered once), reordered again only where
  // the two kernels ask for different layouts.
  dnnl::primitive weights_kernel;
  Operand weights_dy, weights_src, weights_out;
  memory weights_scratchpad;
};

struct Geometry {
  memory::dims src, weights, dst, pad_l, pad_r;
  memory::dims pooled, pool_window, pool_pad_l, pool_pad_r;  // kBiasReluPool only
};

memory::dims Dims(const int64_t *shape) { return memory::dims(shape, shape + 4); }

// src/weights/dst shapes from the three operands of a role; padding from the spatial sizes.
Geometry GeometryOf(Role role, int64_t **shapes) {
  Geometry g;
  switch (role) {
    case Role::kForward: g.src = Dims(shapes[0]); g.weights = Dims(shapes[1]); g.dst = Dims(shapes[2]); break;
    case Role::kBiasRelu: g.src = Dims(shapes[0]); g.weights = Dims(shapes[1]); g.dst = Dims(shapes[3]); break;
    case Role::kBiasReluPool:  // "same" convolution: its output has the input's height and width
      g.src = Dims(shapes[0]); g.weights = Dims(shapes[1]); g.pooled = Dims(shapes[3]);
      g.dst = {g.src[0], g.weights[0], g.src[2], g.src[3]};
      break;
    case Role::kBackward:  // dy, x, w (then dx, dw)
    case Role::kBackwardWeights: g.dst = Dims(shapes[0]); g.src = Dims(shapes[1]); g.weights = Dims(shapes[2]); break;
  }
  g.pad_l.resize(2);
  g.pad_r.resize(2);
  for (int i = 0; i < 2; ++i) {
    int64_t total = g.dst[2 + i] - g.src[2 + i] + g.weights[2 + i] - 1;
    g.pad_l[i] = total / 2;
    g.pad_r[i] = total - total / 2;
  }
  if (role == Role::kBiasReluPool) {
    for (int i = 0; i < 2; ++i) {
      int64_t size = g.dst[2 + i], out = g.pooled[2 + i];
      int64_t window = out > 0 && out < size ? 2 : 1;
      int64_t total = std::max<int64_t>((out - 1) * window + window - size, 0);
      g.pool_window.push_back(window);
      g.pool_pad_l.push_back(total / 2);
      g.pool_pad_r.push_back(total - total / 2);
    }
  }
  return g;
}

// The pooled shape is the convolution's, its height and width divided by the window, rounded up.
bool ConsistentPool(const Geometry &g) {
  if (g.pooled.empty()) return true;
  if (g.pooled[0] != g.dst[0] || g.pooled[1] != g.dst[1]) return false;
  for (int i = 0; i < 2; ++i) {
    if (g.pooled[2 + i] != (g.dst[2 + i] + g.pool_window[i] - 1) / g.pool_window[i]) return false;
  }
  return true;
}

bool Consistent(const Geometry &g) {
  return g.src[0] == g.dst[0] && g.src[1] == g.weights[1] && g.dst[1] == g.weights[0] &&
         g.pad_l[0] >= 0 && g.pad_l[1] >= 0 && g.pad_r[0] >= 0 && g.pad_r[1] >= 0;
}

// Whether oneDNN runs AVX-512 (avx512_core) kernels on this CPU.
bool HasAvx512() {
  const auto avx512 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core);
  return (static_cast<unsigned>(dnnl::get_effective_cpu_isa()) & avx512) == avx512;
}

// in_type: the type of the operands a kernel reads; bf16 ones are converted by the reorders into the
// blocked layout (so oneDNN picks its bf16 / AMX kernels). What a kernel writes stays float32.
std::unique_ptr<Plan> MakeTypedPlan(Role role, const Geometry &g, dt in_type, bool fpmath_bf16) {
  // float32 activations channels-last (nhwc) on AVX-512 where the input has channels enough for it:
  // oneDNN then runs its brgemm kernels, 20-35% faster per V2 layer than the nChw16c direct kernels
  // `any` picks. conv1's 3 input channels, and AVX2 (no faster there) or older CPUs (slower), keep `any`.
  // Weights: whatever the kernel asks for.
  const bool channels_last = in_type == dt::f32 && g.src[1] >= 16 && HasAvx512();
  const tag activations = channels_last ? tag::nhwc : tag::any;
  auto any = [](const memory::dims &d) { return memory::desc(d, dt::f32, tag::any); };
  auto act = [activations](const memory::dims &d) { return memory::desc(d, dt::f32, activations); };
  auto act_in = [in_type, activations](const memory::dims &d) { return memory::desc(d, in_type, activations); };
  auto any_in = [in_type](const memory::dims &d) { return memory::desc(d, in_type, tag::any); };
  memory::desc src_plain(g.src, dt::f32, tag::nchw), dst_plain(g.dst, dt::f32, tag::nchw);
  memory::desc w_plain(g.weights, dt::f32, tag::oihw);
  memory::dims strides = {1, 1};
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (fpmath_bf16) attr.set_fpmath_mode(dnnl::fpmath_mode::bf16);
  auto fwd_pd = dnnl::convolution_forward::primitive_desc(
      Engine(), dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, act_in(g.src),
      any_in(g.weights), act(g.dst), strides, g.pad_l, g.pad_r, attr);
  auto plan = std::make_unique<Plan>();
  plan->inputs.resize(TakesBias(role) ? 3 : 2);
  Operand &in0 = plan->inputs[0], &in1 = plan->inputs[1];
  memory::desc scratchpad;
  if (role == Role::kForward) {
    scratchpad = fwd_pd.scratchpad_desc();
    plan->kernel = dnnl::convolution_forward(fwd_pd);
    in0.Prepare(DNNL_ARG_SRC, src_plain, fwd_pd.src_desc(), false);
    in1.Prepare(DNNL_ARG_WEIGHTS, w_plain, fwd_pd.weights_desc(), false);
    plan->out.Prepare(DNNL_ARG_DST, dst_plain, fwd_pd.dst_desc(), true);
  } else if (TakesBias(role)) {
    dnnl::post_ops relu;
    relu.append_eltwise(dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(relu);
    memory::desc bias(memory::dims{g.weights[0]}, dt::f32, tag::x);
    auto pd = dnnl::convolution_forward::primitive_desc(
        Engine(), dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, act_in(g.src),
        any_in(g.weights), bias, act(g.dst), strides, g.pad_l, g.pad_r, attr);
    scratchpad = pd.scratchpad_desc();
    plan->kernel = dnnl::convolution_forward(pd);
    in0.Prepare(DNNL_ARG_SRC, src_plain, pd.src_desc(), false);
    in1.Prepare(DNNL_ARG_WEIGHTS, w_plain, pd.weights_desc(), false);
    plan->inputs[2].Prepare(DNNL_ARG_BIAS, bias, pd.bias_desc(), false);
    if (role == Role::kBiasRelu) {
      plan->out.Prepare(DNNL_ARG_DST, dst_plain, pd.dst_desc(), true);
    } else {
      auto pool_pd = dnnl::pooling_forward::primitive_desc(
          Engine(), dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max, pd.dst_desc(),
          memory::desc(g.pooled, dt::f32, tag::any), g.pool_window, g.pool_window, memory::dims{0, 0},
          g.pool_pad_l, g.pool_pad_r);
      plan->pool = dnnl::pooling_forward(pool_pd);
      plan->conv_out = memory(pd.dst_desc(), Engine());
      plan->out.Prepare(DNNL_ARG_DST, memory::desc(g.pooled, dt::f32, tag::nchw), pool_pd.dst_desc(), true);
    }
  } else {
    auto weights_pd = [&] {
      return dnnl::convolution_backward_weights::primitive_desc(
          Engine(), dnnl::algorithm::convolution_direct, act_in(g.src), any(g.weights), act_in(g.dst), strides,
          g.pad_l, g.pad_r, fwd_pd, attr);
    };
    if (role == Role::kBackwardWeights) {
      auto pd = weights_pd();
      scratchpad = pd.scratchpad_desc();
      plan->kernel = dnnl::convolution_backward_weights(pd);
      in0.Prepare(DNNL_ARG_DIFF_DST, dst_plain, pd.diff_dst_desc(), false);
      in1.Prepare(DNNL_ARG_SRC, src_plain, pd.src_desc(), false);
      plan->out.Prepare(DNNL_ARG_DIFF_WEIGHTS, w_plain, pd.diff_weights_desc(), true);
    } else {  // kBackward: backward-data, then backward-weights on the dy it read
      auto pd = dnnl::convolution_backward_data::primitive_desc(
          Engine(), dnnl::algorithm::convolution_direct, act(g.src), any_in(g.weights), act_in(g.dst), strides,
          g.pad_l, g.pad_r, fwd_pd, attr);
      scratchpad = pd.scratchpad_desc();
      plan->kernel = dnnl::convolution_backward_data(pd);
      in0.Prepare(DNNL_ARG_DIFF_DST, dst_plain, pd.diff_dst_desc(), false);
      in1.Prepare(DNNL_ARG_WEIGHTS, w_plain, pd.weights_desc(), false);
      plan->out.Prepare(DNNL_ARG_DIFF_SRC, src_plain, pd.diff_src_desc(), true);
      auto wpd = weights_pd();
      plan->weights_kernel = dnnl::convolution_backward_weights(wpd);
      plan->weights_dy.Prepare(DNNL_ARG_DIFF_DST, in0.chosen, wpd.diff_dst_desc(), false);
      plan->weights_src.Prepare(DNNL_ARG_SRC, src_plain, wpd.src_desc(), false);
      plan->weights_out.Prepare(DNNL_ARG_DIFF_WEIGHTS, w_plain, wpd.diff_weights_desc(), true);
      plan->weights_scratchpad = memory(wpd.scratchpad_desc(), Engine());
    }
  }
  plan->scratchpad = memory(scratchpad, Engine());
  return plan;
}

// Whether the CPU computes bf16 in hardware (AVX512_BF16, or AMX): without it oneDNN still offers bf16
// convolutions, but they emulate the conversions and run at half the float32 speed.
bool HasBf16Hardware() {
  const auto bf16_isa = static_cast<unsigned>(dnnl::cpu_isa::avx512_core_bf16);
  return (static_cast<unsigned>(dnnl::get_effective_cpu_isa()) & bf16_isa) == bf16_isa;
}

// CRNN_CONV_REFUSE_BF16_PLANS=1 makes every bf16 plan fail as one with no bf16 kernel would, so that
// the tests can reach the fallback below on a CPU where oneDNN has bf16 kernels for every V2 shape.
bool RefuseBf16Plans() {
  static const bool refuse = [] {
    const char *value = std::getenv("CRNN_CONV_REFUSE_BF16_PLANS");
    return value != nullptr && std::strcmp(value, "1") == 0;
  }();
  return refuse;
}

// A bf16 plan where the hardware has bf16, else exactly the float32 plan.
std::unique_ptr<Plan> MakePlan(Role role, const Geometry &g, bool bf16) {
  if (bf16 && HasBf16Hardware()) {
    try {
      if (RefuseBf16Plans()) throw dnnl::error(dnnl_unimplemented, "bf16 plans refused (CRNN_CONV_REFUSE_BF16_PLANS)");
      return MakeTypedPlan(role, g, dt::bf16, false);
    } catch (const dnnl::error &) {
      // No bf16 kernel for this shape: float32 kernels, allowed to use bf16 arithmetic where they can.
      return MakeTypedPlan(role, g, dt::f32, true);
    }
  }
  return MakeTypedPlan(role, g, dt::f32, false);
}

// Plans hold their blocked buffers (up to tens of MB each), so the cache keeps at most kMaxPlans and
// drops the least recently used one beyond it: a process that meets ever new shapes (evaluation at
// many batch sizes, a server) stays bounded. A V2 training step uses 21 plans, inference 7 a batch size.
constexpr size_t kMaxPlans = 64;

struct PlanCache {
  using Key = std::tuple<int, bool, memory::dims, memory::dims, memory::dims, memory::dims>;
  struct Entry {
    std::shared_ptr<Plan> plan;
    uint64_t last_use;
  };
  std::mutex lock;
  std::map<Key, Entry> entries;
  uint64_t clock = 0;
};

PlanCache &Cache() {
  static PlanCache cache;
  return cache;
}

std::shared_ptr<Plan> FindPlan(Role role, const Geometry &g, bool bf16) {
  PlanCache &cache = Cache();
  PlanCache::Key key(static_cast<int>(role), bf16, g.src, g.weights, g.dst, g.pooled);
  std::lock_guard<std::mutex> guard(cache.lock);
  auto found = cache.entries.find(key);
  if (found != cache.entries.end()) {
    found->second.last_use = ++cache.clock;
    return found->second.plan;  // shared: an evicted plan lives until the call using it returns
  }
  std::shared_ptr<Plan> plan = MakePlan(role, g, bf16);
  if (cache.entries.size() >= kMaxPlans) {
    auto oldest = std::min_element(cache.entries.begin(), cache.entries.end(), [](const auto &a, const auto &b) {
      return a.second.last_use < b.second.last_use;
    });
    cache.entries.erase(oldest);
  }
  cache.entries[key] = PlanCache::Entry{plan, ++cache.clock};
  return plan;
}

// The memory a kernel reads for op: the caller's data, or the blocked buffer it is reordered into.
memory Input(dnnl::stream &stream, Operand &op, void *data) {
  memory user(op.plain, Engine(), data);
  if (!op.needs_reorder) return user;
  op.to_chosen.execute(stream, user, op.buffer);
  return op.buffer;
}

// params: the inputs in the plan's order, then the output; kBackward: dy, x, w, dx, dw.
void Execute(Plan *plan, Role role, void **params) {
  std::lock_guard<std::mutex> guard(plan->lock);
  dnnl::stream stream(Engine());
  std::unordered_map<int, memory> args;
  const bool backward = role == Role::kBackward;
  const size_t count = plan->inputs.size();
  memory dy;
  for (size_t i = 0; i < count; ++i) {
    memory read = Input(stream, plan->inputs[i], params[backward && i == 1 ? 2 : i]);
    args[plan->inputs[i].arg] = read;
    if (i == 0) dy = read;
  }
  memory result(plan->out.plain, Engine(), params[backward ? 3 : count]);
  memory target = plan->out.needs_reorder ? plan->out.buffer : result;
  args[plan->out.arg] = plan->pool ? plan->conv_out : target;
  args[DNNL_ARG_SCRATCHPAD] = plan->scratchpad;
  plan->kernel.execute(stream, args);
  if (plan->pool) plan->pool.execute(stream, {{DNNL_ARG_SRC, plan->conv_out}, {DNNL_ARG_DST, target}});
  if (plan->out.needs_reorder) plan->out.to_plain.execute(stream, plan->out.buffer, result);
  if (backward) {
    memory weights_result(plan->weights_out.plain, Engine(), params[4]);
    memory weights_target = plan->weights_out.needs_reorder ? plan->weights_out.buffer : weights_result;
    plan->weights_kernel.execute(stream, {{DNNL_ARG_DIFF_DST, Input(stream, plan->weights_dy, dy.get_data_handle())},
                                          {DNNL_ARG_SRC, Input(stream, plan->weights_src, params[1])},
                                          {DNNL_ARG_DIFF_WEIGHTS, weights_target},
                                          {DNNL_ARG_SCRATCHPAD, plan->weights_scratchpad}});
    if (plan->weights_out.needs_reorder) {
      plan->weights_out.to_plain.execute(stream, plan->weights_out.buffer, weights_result);
    }
  }
  stream.wait();
}

int Run(Role role, bool bf16, const char *name, int nparam, void **params, int *ndims, int64_t **shapes,
        const char **dtypes) {
  const int bias_index = TakesBias(role) ? 2 : -1;
  const int outputs = role == Role::kBackward ? 2 : 1;
  const int expected = TakesBias(role) || role == Role::kBackward ? 3 + outputs : 3;
  if (nparam != expected) {
    std::fprintf(stderr, "%s: expected %d inputs and %d output(s), got %d tensors\n", name, expected - outputs,
                 outputs, nparam);
    return 1;
  }
  for (int i = 0; i < expected; ++i) {
    int rank = i == bias_index ? 1 : 4;
    if (ndims[i] != rank || std::strcmp(dtypes[i], "float32") != 0) {
      std::fprintf(stderr, "%s: tensor %d must be %d-D float32, got %d-D %s\n", name, i, rank, ndims[i], dtypes[i]);
      return 1;
    }
  }
  Geometry g = GeometryOf(role, shapes);
  const bool outputs_fit = role != Role::kBackward || (Dims(shapes[3]) == g.src && Dims(shapes[4]) == g.weights);
  if (!Consistent(g) || !ConsistentPool(g) || !outputs_fit ||
      (bias_index >= 0 && shapes[bias_index][0] != g.weights[0])) {
    std::fprintf(stderr, "%s: shapes do not form a stride-1 convolution%s\n", name,
                 role == Role::kBiasReluPool ? " and a 2 or 1 max pooling" : "");
    return 1;
  }
  // No exception may cross the extern "C" boundary into MindSpore: it would abort the process (and a
  // training run with it) instead of failing the one kernel with a message.
  try {
    std::shared_ptr<Plan> plan = FindPlan(role, g, bf16);
    Execute(plan.get(), role, params);
  } catch (const dnnl::error &err) {
    std::fprintf(stderr, "%s: oneDNN error: %s\n", name, err.what());
    return 1;
  } catch (const std::bad_alloc &) {
    std::fprintf(stderr, "%s: out of memory\n", name);
    return 1;
  } catch (const std::exception &err) {
    std::fprintf(stderr, "%s: %s\n", name, err.what());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "%s: unknown error\n", name);
    return 1;
  }
  return 0;
}

}  // namespace

#define CRNN_CONV_ENTRY(NAME, ROLE, BF16)                                                            \
  extern "C" __attribute__((visibility("default"))) int NAME(int nparam, void **params, int *ndims, int64_t **shapes, const char **dtypes, \
                      void * /*stream*/, void * /*extra*/) {                                        \
    return Run(ROLE, BF16, #NAME, nparam, params, ndims, shapes, dtypes);                            \
  }

CRNN_CONV_ENTRY(CrnnConvForward, Role::kForward, false)
CRNN_CONV_ENTRY(CrnnConvBackwardWeights, Role::kBackwardWeights, false)
CRNN_CONV_ENTRY(CrnnConvForwardBf16, Role::kForward, true)
CRNN_CONV_ENTRY(CrnnConvBackwardWeightsBf16, Role::kBackwardWeights, true)
CRNN_CONV_ENTRY(CrnnConvBackward, Role::kBackward, false)
CRNN_CONV_ENTRY(CrnnConvBackwardBf16, Role::kBackward, true)
CRNN_CONV_ENTRY(CrnnConvBiasRelu, Role::kBiasRelu, false)
CRNN_CONV_ENTRY(CrnnConvBiasReluBf16, Role::kBiasRelu, true)
CRNN_CONV_ENTRY(CrnnConvBiasReluPool, Role::kBiasReluPool, false)
CRNN_CONV_ENTRY(CrnnConvBiasReluPoolBf16, Role::kBiasReluPool, true)

// 1 when the "Bf16" entry points compute in bf16 on this CPU, 0 when they run the float32 kernels.
extern "C" __attribute__((visibility("default"))) int CrnnConvHasBf16() {
  try {
    return HasBf16Hardware() ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

// Which oneDNN the library runs on, for logs: "major.minor.patch".
extern "C" __attribute__((visibility("default"))) const char *CrnnConvOnednnVersion() {
  static char version[64];
  const dnnl_version_t *v = dnnl_version();
  std::snprintf(version, sizeof version, "%d.%d.%d", v->major, v->minor, v->patch);
  return version;
}

// How many plans the cache holds (at most kMaxPlans).
extern "C" __attribute__((visibility("default"))) int CrnnConvCachedPlans() {
  std::lock_guard<std::mutex> guard(Cache().lock);
  return static_cast<int>(Cache().entries.size());
}

// The sha256 of the crnn_conv.cc this library was built from (scripts/build_native.sh passes it), so
// that a library built from an older source is recognised and not used.
#ifndef CRNN_CONV_SOURCE_SHA256
#define CRNN_CONV_SOURCE_SHA256 "unknown"
#endif
extern "C" __attribute__((visibility("default"))) const char *CrnnConvSourceSha256() { return CRNN_CONV_SOURCE_SHA256; }
