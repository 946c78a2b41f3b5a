// Stride-1 2-D convolutions for MindSpore's CPU backend, as Custom "aot" kernels that run oneDNN's own
// primitives: training blocks (convolution, BatchNorm, ReLU, max pooling; forward and backward) and
// inference kernels (convolution with a folded BatchNorm, ReLU and pooling).
//
// MindSpore 2.8 hands oneDNN plain NCHW tensors, for which oneDNN falls back to im2col + GEMM; here the
// activations are channels-last (nhwc; oneDNN's brgemm kernels) and the weights reordered into the
// blocked layout the kernel asks for. Primitives, reorders and buffers are built once per (kernel, shapes,
// precision) and cached (bounded). Padding is implied by the shapes (stride 1): total = output - input +
// kernel - 1, the larger half at the bottom/right, as MindSpore's pad_mode "same" does; "valid" gives 0.
// The "Bf16" entry points let oneDNN compute the convolutions in bfloat16 (fp32 in, fp32 out, fp32
// accumulation) where the CPU has bf16 instructions, and are the float32 kernels elsewhere (CrnnConvHasBf16
// says which).
// CrnnConvBiasRelu<Position> is the inference kernel of a convolution whose BatchNorm the caller has folded
// into the weights and a bias: params = (input, weights, bias (1-D), output), float32, activations NCHW or
// nhwc as the Position says (those handed between layers bf16 in the "Bf16" entries), weights OIHW,
// relu(conv(x, w) + b) in one oneDNN primitive (forward_inference, bias, ReLU post-op). CrnnConvBiasReluPool<Position>
// follows that ("same" padding) with a max pooling whose window equals its stride, 2 or 1 per axis, read
// from the output shape (2 where it is smaller than the input), padded at the end as MindSpore's pad_mode
// "same" pads; the pooling reads the convolution's output in oneDNN's layout, and only the pooled result
// goes back to NCHW. The training blocks are described where they are defined (CrnnBlock*).
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

enum class Role { kBiasRelu, kBiasReluPool };

// Where a layer sits in a chain of layers whose activations are channels-last (nhwc) between them: each
// layer's output is nhwc data in a tensor MindSpore sees as (N, C, H, W), read only by the next layer's
// kernel. kFirst reads a plain NCHW input (the image), kLast writes plain NCHW (for the LSTMs), kOnly is
// NCHW at both ends (a single layer), kMiddle at neither.
enum class Position { kFirst, kMiddle, kLast, kOnly };

bool PlainInput(Position p) { return p == Position::kFirst || p == Position::kOnly; }
bool PlainOutput(Position p) { return p == Position::kLast || p == Position::kOnly; }

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
};

struct Geometry {
  memory::dims src, weights, dst, pad_l, pad_r;
  memory::dims pooled, pool_window, pool_pad_l, pool_pad_r;  // kBiasReluPool only
};

memory::dims Dims(const int64_t *shape) { return memory::dims(shape, shape + 4); }

// src/weights/dst shapes from the operands (x, w, bias, y); padding from the spatial sizes.
Geometry GeometryOf(Role role, int64_t **shapes) {
  Geometry g;
  g.src = Dims(shapes[0]);
  g.weights = Dims(shapes[1]);
  if (role == Role::kBiasRelu) {
    g.dst = Dims(shapes[3]);
  } else {  // "same" convolution: its output has the input's height and width
    g.pooled = Dims(shapes[3]);
    g.dst = {g.src[0], g.weights[0], g.src[2], g.src[3]};
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
// blocked layout (so oneDNN picks its bf16 / AMX kernels). between: the type of the activations a layer
// hands to the next one (bf16 for the "Bf16" entries, float32 otherwise); the network's own tensors (the
// image, the last layer's output) are float32.
std::unique_ptr<Plan> MakeTypedPlan(Role role, Position position, const Geometry &g, dt in_type, bool fpmath_bf16,
                                    dt between) {
  // Activations channels-last (nhwc) on AVX-512 where the input has channels enough for it: oneDNN then
  // runs its brgemm kernels, 20-35% faster per V2 layer than the nChw16c direct kernels `any` picks.
  // conv1's 3 input channels, and AVX2 (no faster there) or older CPUs (slower), keep `any`.
  // Weights: whatever the kernel asks for.
  const bool channels_last = g.src[1] >= 16 && HasAvx512();
  const tag activations = channels_last ? tag::nhwc : tag::any;
  const tag output = HasAvx512() ? tag::nhwc : tag::any;
  const dt in_plain = PlainInput(position) ? dt::f32 : between, out_plain = PlainOutput(position) ? dt::f32 : between;
  // what the kernel writes: bf16 where a bf16 kernel hands bf16 on, else float32
  const dt written = in_type == dt::bf16 && out_plain == dt::bf16 ? dt::bf16 : dt::f32;
  memory::desc src_plain(g.src, in_plain, PlainInput(position) ? tag::nchw : tag::nhwc);
  memory::desc dst_plain(g.dst, out_plain, PlainOutput(position) ? tag::nchw : tag::nhwc);
  memory::desc w_plain(g.weights, dt::f32, tag::oihw);
  memory::desc bias(memory::dims{g.weights[0]}, dt::f32, tag::x);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (fpmath_bf16) attr.set_fpmath_mode(dnnl::fpmath_mode::bf16);
  dnnl::post_ops relu;
  relu.append_eltwise(dnnl::algorithm::eltwise_relu, 0.f, 0.f);
  attr.set_post_ops(relu);
  auto pd = dnnl::convolution_forward::primitive_desc(
      Engine(), dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
      memory::desc(g.src, in_type, activations), memory::desc(g.weights, in_type, tag::any), bias,
      memory::desc(g.dst, written, output), memory::dims{1, 1}, g.pad_l, g.pad_r, attr);
  auto plan = std::make_unique<Plan>();
  plan->kernel = dnnl::convolution_forward(pd);
  plan->inputs.resize(3);
  plan->inputs[0].Prepare(DNNL_ARG_SRC, src_plain, pd.src_desc(), false);
  plan->inputs[1].Prepare(DNNL_ARG_WEIGHTS, w_plain, pd.weights_desc(), false);
  plan->inputs[2].Prepare(DNNL_ARG_BIAS, bias, pd.bias_desc(), false);
  if (role == Role::kBiasRelu) {
    plan->out.Prepare(DNNL_ARG_DST, dst_plain, pd.dst_desc(), true);
  } else {
    auto pool_pd = dnnl::pooling_forward::primitive_desc(
        Engine(), dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max, pd.dst_desc(),
        memory::desc(g.pooled, written, output), g.pool_window, g.pool_window, memory::dims{0, 0},
        g.pool_pad_l, g.pool_pad_r);
    plan->pool = dnnl::pooling_forward(pool_pd);
    plan->conv_out = memory(pd.dst_desc(), Engine());
    plan->out.Prepare(DNNL_ARG_DST, memory::desc(g.pooled, out_plain, PlainOutput(position) ? tag::nchw : tag::nhwc),
                      pool_pd.dst_desc(), true);
  }
  plan->scratchpad = memory(pd.scratchpad_desc(), Engine());
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

// make(operand type, fpmath_bf16) for a bf16 request where the hardware has bf16; where oneDNN has no bf16
// kernel for the shape, float32 kernels allowed to use bf16 arithmetic where they can (make(f32, true));
// everywhere else exactly the float32 plan (make(f32, false)).
template <class Make>
auto MakeInPrecision(bool bf16, Make make) {
  if (bf16 && HasBf16Hardware()) {
    try {
      if (RefuseBf16Plans()) throw dnnl::error(dnnl_unimplemented, "bf16 plans refused (CRNN_CONV_REFUSE_BF16_PLANS)");
      return make(dt::bf16, false);
    } catch (const dnnl::error &) {
      return make(dt::f32, true);
    }
  }
  return make(dt::f32, false);
}

std::unique_ptr<Plan> MakePlan(Role role, Position position, const Geometry &g, bool bf16) {
  return MakeInPrecision(bf16, [&](dt in_type, bool fpmath_bf16) {
    return MakeTypedPlan(role, position, g, in_type, fpmath_bf16, bf16 ? dt::bf16 : dt::f32);
  });
}

// Plans hold their blocked buffers (up to tens of MB each), so each cache keeps at most kMaxPlans and
// drops the least recently used one beyond it: a process that meets ever new shapes (evaluation at
// many batch sizes, a server) stays bounded. V2 uses 7 plans a batch size for inference, 7 for training.
constexpr size_t kMaxPlans = 64;

template <class PlanT, class... KeyParts>
class PlanCache {
 public:
  using Key = std::tuple<KeyParts...>;

  // The plan for key, made by make() when there is none; shared: an evicted plan lives until the call
  // using it returns.
  template <class Make>
  std::shared_ptr<PlanT> Find(const Key &key, Make make) {
    std::lock_guard<std::mutex> guard(lock_);
    auto found = entries_.find(key);
    if (found != entries_.end()) {
      found->second.second = ++clock_;
      return found->second.first;
    }
    std::shared_ptr<PlanT> plan = make();
    if (entries_.size() >= kMaxPlans) {
      auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto &a, const auto &b) {
        return a.second.second < b.second.second;
      });
      entries_.erase(oldest);
    }
    entries_[key] = {plan, ++clock_};
    return plan;
  }

  size_t Size() {
    std::lock_guard<std::mutex> guard(lock_);
    return entries_.size();
  }

 private:
  std::mutex lock_;
  std::map<Key, std::pair<std::shared_ptr<PlanT>, uint64_t>> entries_;
  uint64_t clock_ = 0;
};

PlanCache<Plan, int, int, bool, memory::dims, memory::dims, memory::dims, memory::dims> &Cache() {
  static PlanCache<Plan, int, int, bool, memory::dims, memory::dims, memory::dims, memory::dims> cache;
  return cache;
}

std::shared_ptr<Plan> FindPlan(Role role, Position position, const Geometry &g, bool bf16) {
  return Cache().Find({static_cast<int>(role), static_cast<int>(position), bf16, g.src, g.weights, g.dst, g.pooled},
                      [&] { return MakePlan(role, position, g, bf16); });
}

// The memory a kernel reads for op: the caller's data, or the blocked buffer it is reordered into.
memory Input(dnnl::stream &stream, Operand &op, void *data) {
  memory user(op.plain, Engine(), data);
  if (!op.needs_reorder) return user;
  op.to_chosen.execute(stream, user, op.buffer);
  return op.buffer;
}

// Runs op's reorder from the chosen layout into the caller's memory, when there is one.
void Output(dnnl::stream &stream, Operand &op, memory target) {
  if (op.needs_reorder) op.to_plain.execute(stream, op.buffer, target);
}

// params: x, w, bias, y.
void Execute(Plan *plan, void **params) {
  std::lock_guard<std::mutex> guard(plan->lock);
  dnnl::stream stream(Engine());
  std::unordered_map<int, memory> args;
  for (size_t i = 0; i < plan->inputs.size(); ++i) {
    args[plan->inputs[i].arg] = Input(stream, plan->inputs[i], params[i]);
  }
  memory result(plan->out.plain, Engine(), params[3]);
  memory target = plan->out.needs_reorder ? plan->out.buffer : result;
  args[plan->out.arg] = plan->pool ? plan->conv_out : target;
  args[DNNL_ARG_SCRATCHPAD] = plan->scratchpad;
  plan->kernel.execute(stream, args);
  if (plan->pool) plan->pool.execute(stream, {{DNNL_ARG_SRC, plan->conv_out}, {DNNL_ARG_DST, target}});
  Output(stream, plan->out, result);
  stream.wait();
}

// Runs body, returning 0, or 1 after one line on stderr naming the kernel: no exception may cross the
// extern "C" boundary into MindSpore, where it would abort the process (and a training run with it)
// instead of failing the one kernel with a message.
template <class Body>
int Guarded(const char *name, Body body) {
  try {
    body();
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

int Run(Role role, Position position, bool bf16, const char *name, int nparam, void **params, int *ndims, int64_t **shapes,
        const char **dtypes) {
  if (nparam != 4) {
    std::fprintf(stderr, "%s: expected 3 inputs and 1 output, got %d tensors\n", name, nparam);
    return 1;
  }
  // activations handed between layers by "Bf16" entries are bf16, everything else float32
  const bool bf16_in = bf16 && !PlainInput(position), bf16_out = bf16 && !PlainOutput(position);
  for (int i = 0; i < 4; ++i) {
    const int rank = i == 2 ? 1 : 4;
    const char *type = (i == 0 && bf16_in) || (i == 3 && bf16_out) ? "bfloat16" : "float32";
    if (ndims[i] != rank || std::strcmp(dtypes[i], type) != 0) {
      std::fprintf(stderr, "%s: tensor %d must be %d-D %s, got %d-D %s\n", name, i, rank, type, ndims[i], dtypes[i]);
      return 1;
    }
  }
  Geometry g = GeometryOf(role, shapes);
  if (!Consistent(g) || !ConsistentPool(g) || shapes[2][0] != g.weights[0]) {
    std::fprintf(stderr, "%s: shapes do not form a stride-1 convolution%s\n", name,
                 role == Role::kBiasReluPool ? " and a 2 or 1 max pooling" : "");
    return 1;
  }
  return Guarded(name, [&] { Execute(FindPlan(role, position, g, bf16).get(), params); });
}


// ---------------------------------------------------------------------------------------------------
// Training blocks: convolution -> BatchNorm on the batch's statistics -> ReLU -> max pooling (where the
// output is smaller than the convolution's), forward in one call and backward in one call, all on
// channels-last (nhwc) float32 activations (the convolution itself in bf16 for the "Bf16" entries).
//
// Between two blocks the activations stay nhwc: a block's output and the input gradient it returns are nhwc
// data in a tensor MindSpore sees as (N, C, H, W), read only by the neighbouring block. The position says
// where plain NCHW meets the network: kFirst reads the NCHW image and returns zeros as its gradient (nothing
// reads it), kLast writes NCHW (and reads an NCHW output gradient), kOnly is NCHW at both ends (single
// layers, tests), kMiddle at neither.
// Forward params: x, w, gamma, beta -> y, conv (the convolution's output, nhwc, kept for the backward
// pass), mean, variance (the batch's, biased), relu mask (uint8, N*C*H*W), pool workspace (uint8, y's
// shape; (1, 1, 1, 1) when not pooled). Backward params: dy, x, w, gamma, conv, mean, variance, relu mask,
// pool workspace -> dx, dw, dgamma, dbeta. The BatchNorm's epsilon is the network's, kBatchNormEpsilon;
// its moving statistics are updated by the caller from mean and variance.
constexpr float kBatchNormEpsilon = 1e-4f;  // nn.BatchNorm2d(eps=1e-4) in src/crnn.py
constexpr int kBlockForwardParams = 10, kBlockBackwardParams = 13;

struct BlockGeometry {
  memory::dims src, weights, conv, out, pad_l, pad_r, window, pool_pad_l, pool_pad_r;
  bool pooled = false;
};

// From x, w, y and conv's shapes (the forward's params 0, 1, 4, 5).
BlockGeometry BlockGeometryOf(const int64_t *x, const int64_t *w, const int64_t *y, const int64_t *conv) {
  BlockGeometry g;
  g.src = Dims(x);
  g.weights = Dims(w);
  g.out = Dims(y);
  g.conv = Dims(conv);
  for (int i = 0; i < 2; ++i) {
    int64_t total = g.conv[2 + i] - g.src[2 + i] + g.weights[2 + i] - 1;
    g.pad_l.push_back(total / 2);
    g.pad_r.push_back(total - total / 2);
    int64_t size = g.conv[2 + i], out = g.out[2 + i];
    int64_t window = out > 0 && out < size ? 2 : 1;
    int64_t pool_total = std::max<int64_t>(out * window - size, 0);
    g.window.push_back(window);
    g.pool_pad_l.push_back(pool_total / 2);
    g.pool_pad_r.push_back(pool_total - pool_total / 2);
    g.pooled = g.pooled || window == 2;
  }
  return g;
}

bool BlockConsistent(const BlockGeometry &g) {
  Geometry conv;
  conv.src = g.src;
  conv.weights = g.weights;
  conv.dst = g.conv;
  conv.pad_l = g.pad_l;
  conv.pad_r = g.pad_r;
  if (!Consistent(conv) || g.out[0] != g.conv[0] || g.out[1] != g.conv[1]) return false;
  for (int i = 0; i < 2; ++i) {
    if (g.out[2 + i] != (g.conv[2 + i] + g.window[i] - 1) / g.window[i]) return false;
  }
  return true;
}

int64_t Elements(const memory::dims &d) {
  int64_t n = 1;
  for (int64_t v : d) n *= v;
  return n;
}

struct BlockPlan {
  std::mutex lock;
  memory::desc act;  // nhwc float32 at the convolution's shape: the kept output and its gradients
  // forward
  dnnl::primitive conv, norm, pool;
  Operand conv_src, conv_weights, conv_dst, out;
  memory norm_dst;  // pooled or kLast: the BatchNorm's output before pooling / the NCHW reorder
  memory conv_scratch, norm_scratch, pool_scratch;
  size_t relu_mask_bytes = 0, pool_workspace_bytes = 0;
  // backward
  dnnl::primitive pool_back, norm_back, data_back, weights_back;
  Operand dy, data_dy, data_weights, data_dx, weights_dy, weights_src, weights_dw;
  memory d_norm, d_conv;
  memory pool_back_scratch, norm_back_scratch, data_back_scratch, weights_back_scratch;
};

std::unique_ptr<BlockPlan> MakeTypedBlockPlan(Position position, const BlockGeometry &g, dt in_type,
                                              bool fpmath_bf16) {
  auto plan = std::make_unique<BlockPlan>();
  // channels-last where the CPU has AVX-512 (brgemm kernels); conv1's 3 input channels, and the
  // convolutions of older CPUs, take oneDNN's choice and a reorder from or into the nhwc tensors
  const tag src_tag = g.src[1] >= 16 && HasAvx512() ? tag::nhwc : tag::any;
  const tag dst_tag = HasAvx512() ? tag::nhwc : tag::any;
  const tag x_tag = PlainInput(position) ? tag::nchw : tag::nhwc;
  const tag y_tag = PlainOutput(position) ? tag::nchw : tag::nhwc;
  memory::desc x_plain(g.src, dt::f32, x_tag), y_plain(g.out, dt::f32, y_tag);
  memory::desc w_plain(g.weights, dt::f32, tag::oihw);
  plan->act = memory::desc(g.conv, dt::f32, tag::nhwc);
  memory::desc out_act(g.out, dt::f32, tag::nhwc);
  const memory::dims strides = {1, 1}, no_dilation = {0, 0};
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  dnnl::primitive_attr conv_attr = attr;
  if (fpmath_bf16) conv_attr.set_fpmath_mode(dnnl::fpmath_mode::bf16);
  auto scratch = [](const memory::desc &d) { return memory(d, Engine()); };

  // forward: convolution into the kept nhwc tensor, BatchNorm + ReLU, pooling
  auto conv_pd = dnnl::convolution_forward::primitive_desc(
      Engine(), dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
      memory::desc(g.src, in_type, src_tag), memory::desc(g.weights, in_type, tag::any),
      memory::desc(g.conv, dt::f32, dst_tag), strides, g.pad_l, g.pad_r, conv_attr);
  plan->conv = dnnl::convolution_forward(conv_pd);
  plan->conv_src.Prepare(DNNL_ARG_SRC, x_plain, conv_pd.src_desc(), false);
  plan->conv_weights.Prepare(DNNL_ARG_WEIGHTS, w_plain, conv_pd.weights_desc(), false);
  plan->conv_dst.Prepare(DNNL_ARG_DST, plan->act, conv_pd.dst_desc(), true);
  plan->conv_scratch = scratch(conv_pd.scratchpad_desc());
  const auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift |
                     dnnl::normalization_flags::fuse_norm_relu;
  auto norm_pd = dnnl::batch_normalization_forward::primitive_desc(
      Engine(), dnnl::prop_kind::forward_training, plan->act, plan->act, kBatchNormEpsilon, flags, attr);
  plan->norm = dnnl::batch_normalization_forward(norm_pd);
  plan->norm_scratch = scratch(norm_pd.scratchpad_desc());
  plan->relu_mask_bytes = norm_pd.workspace_desc().get_size();
  if (g.pooled || PlainOutput(position)) plan->norm_dst = memory(plan->act, Engine());
  dnnl::pooling_forward::primitive_desc pool_pd;
  if (g.pooled) {
    pool_pd = dnnl::pooling_forward::primitive_desc(
        Engine(), dnnl::prop_kind::forward_training, dnnl::algorithm::pooling_max, plan->act, out_act, g.window,
        g.window, no_dilation, g.pool_pad_l, g.pool_pad_r, attr);
    plan->pool = dnnl::pooling_forward(pool_pd);
    plan->pool_scratch = scratch(pool_pd.scratchpad_desc());
    plan->pool_workspace_bytes = pool_pd.workspace_desc().get_size();
  }
  plan->out.Prepare(DNNL_ARG_DST, y_plain, out_act, true);

  // backward: pooling, BatchNorm + ReLU (scale and shift gradients), backward-data, backward-weights
  plan->dy.Prepare(DNNL_ARG_DIFF_DST, y_plain, out_act, false);
  if (g.pooled) {
    auto pd = dnnl::pooling_backward::primitive_desc(Engine(), dnnl::algorithm::pooling_max, plan->act, out_act,
                                                     g.window, g.window, no_dilation, g.pool_pad_l, g.pool_pad_r,
                                                     pool_pd, attr);
    plan->pool_back = dnnl::pooling_backward(pd);
    plan->pool_back_scratch = scratch(pd.scratchpad_desc());
    plan->d_norm = memory(plan->act, Engine());
  }
  auto norm_back_pd = dnnl::batch_normalization_backward::primitive_desc(
      Engine(), dnnl::prop_kind::backward, plan->act, plan->act, plan->act, kBatchNormEpsilon, flags, norm_pd, attr);
  plan->norm_back = dnnl::batch_normalization_backward(norm_back_pd);
  plan->norm_back_scratch = scratch(norm_back_pd.scratchpad_desc());
  plan->d_conv = memory(plan->act, Engine());
  memory::desc d_conv_in(g.conv, in_type, dst_tag);
  if (position != Position::kFirst) {
    auto pd = dnnl::convolution_backward_data::primitive_desc(
        Engine(), dnnl::algorithm::convolution_direct, memory::desc(g.src, dt::f32, src_tag),
        memory::desc(g.weights, in_type, tag::any), d_conv_in, strides, g.pad_l, g.pad_r, conv_pd, conv_attr);
    plan->data_back = dnnl::convolution_backward_data(pd);
    plan->data_back_scratch = scratch(pd.scratchpad_desc());
    plan->data_dy.Prepare(DNNL_ARG_DIFF_DST, plan->act, pd.diff_dst_desc(), false);
    plan->data_weights.Prepare(DNNL_ARG_WEIGHTS, w_plain, pd.weights_desc(), false);
    plan->data_dx.Prepare(DNNL_ARG_DIFF_SRC, x_plain, pd.diff_src_desc(), true);
  }
  auto weights_pd = dnnl::convolution_backward_weights::primitive_desc(
      Engine(), dnnl::algorithm::convolution_direct, memory::desc(g.src, in_type, src_tag),
      memory::desc(g.weights, dt::f32, tag::any), d_conv_in, strides, g.pad_l, g.pad_r, conv_pd, conv_attr);
  plan->weights_back = dnnl::convolution_backward_weights(weights_pd);
  plan->weights_back_scratch = scratch(weights_pd.scratchpad_desc());
  // the backward-data kernel's copy of the gradient where the two kernels ask for the same layout
  const memory::desc &weights_dy_from = position != Position::kFirst ? plan->data_dy.chosen : plan->act;
  plan->weights_dy.Prepare(DNNL_ARG_DIFF_DST, weights_dy_from, weights_pd.diff_dst_desc(), false);
  plan->weights_src.Prepare(DNNL_ARG_SRC, x_plain, weights_pd.src_desc(), false);
  plan->weights_dw.Prepare(DNNL_ARG_DIFF_WEIGHTS, w_plain, weights_pd.diff_weights_desc(), true);
  return plan;
}

std::unique_ptr<BlockPlan> MakeBlockPlan(Position position, const BlockGeometry &g, bool bf16) {
  return MakeInPrecision(bf16, [&](dt in_type, bool fpmath_bf16) {
    return MakeTypedBlockPlan(position, g, in_type, fpmath_bf16);
  });
}

std::shared_ptr<BlockPlan> FindBlockPlan(Position position, const BlockGeometry &g, bool bf16) {
  static PlanCache<BlockPlan, int, bool, memory::dims, memory::dims, memory::dims, memory::dims> cache;
  return cache.Find({static_cast<int>(position), bf16, g.src, g.weights, g.conv, g.out},
                    [&] { return MakeBlockPlan(position, g, bf16); });
}

memory Vector(void *data, int64_t size) {
  return memory(memory::desc({size}, dt::f32, tag::x), Engine(), data);
}

memory Bytes(void *data, const memory::desc &d) { return memory(d, Engine(), data); }

void BlockForward(BlockPlan *plan, const BlockGeometry &g, void **params, const memory::desc &relu_desc,
                  const memory::desc &pool_desc) {
  std::lock_guard<std::mutex> guard(plan->lock);
  dnnl::stream stream(Engine());
  const int64_t channels = g.conv[1];
  memory kept(plan->act, Engine(), params[5]);
  memory conv_target = plan->conv_dst.needs_reorder ? plan->conv_dst.buffer : kept;
  plan->conv.execute(stream, {{DNNL_ARG_SRC, Input(stream, plan->conv_src, params[0])},
                              {DNNL_ARG_WEIGHTS, Input(stream, plan->conv_weights, params[1])},
                              {DNNL_ARG_DST, conv_target},
                              {DNNL_ARG_SCRATCHPAD, plan->conv_scratch}});
  Output(stream, plan->conv_dst, kept);
  memory y(plan->out.plain, Engine(), params[4]);
  memory norm_dst = plan->norm_dst ? plan->norm_dst : y;
  plan->norm.execute(stream, {{DNNL_ARG_SRC, kept},
                              {DNNL_ARG_DST, norm_dst},
                              {DNNL_ARG_SCALE, Vector(params[2], channels)},
                              {DNNL_ARG_SHIFT, Vector(params[3], channels)},
                              {DNNL_ARG_MEAN, Vector(params[6], channels)},
                              {DNNL_ARG_VARIANCE, Vector(params[7], channels)},
                              {DNNL_ARG_WORKSPACE, Bytes(params[8], relu_desc)},
                              {DNNL_ARG_SCRATCHPAD, plan->norm_scratch}});
  if (g.pooled) {
    memory pooled = plan->out.needs_reorder ? plan->out.buffer : y;
    plan->pool.execute(stream, {{DNNL_ARG_SRC, norm_dst},
                                {DNNL_ARG_DST, pooled},
                                {DNNL_ARG_WORKSPACE, Bytes(params[9], pool_desc)},
                                {DNNL_ARG_SCRATCHPAD, plan->pool_scratch}});
    Output(stream, plan->out, y);
  } else if (plan->out.needs_reorder) {
    plan->out.to_plain.execute(stream, norm_dst, y);
  }
  stream.wait();
}

void BlockBackward(BlockPlan *plan, Position position, const BlockGeometry &g, void **params,
                   const memory::desc &relu_desc, const memory::desc &pool_desc) {
  std::lock_guard<std::mutex> guard(plan->lock);
  dnnl::stream stream(Engine());
  const int64_t channels = g.conv[1];
  memory dy = Input(stream, plan->dy, params[0]);
  memory d_norm = dy;
  if (g.pooled) {
    d_norm = plan->d_norm;
    plan->pool_back.execute(stream, {{DNNL_ARG_DIFF_DST, dy},
                                     {DNNL_ARG_DIFF_SRC, d_norm},
                                     {DNNL_ARG_WORKSPACE, Bytes(params[8], pool_desc)},
                                     {DNNL_ARG_SCRATCHPAD, plan->pool_back_scratch}});
  }
  plan->norm_back.execute(stream, {{DNNL_ARG_SRC, memory(plan->act, Engine(), params[4])},
                                   {DNNL_ARG_MEAN, Vector(params[5], channels)},
                                   {DNNL_ARG_VARIANCE, Vector(params[6], channels)},
                                   {DNNL_ARG_DIFF_DST, d_norm},
                                   {DNNL_ARG_SCALE, Vector(params[3], channels)},
                                   {DNNL_ARG_WORKSPACE, Bytes(params[7], relu_desc)},
                                   {DNNL_ARG_DIFF_SRC, plan->d_conv},
                                   {DNNL_ARG_DIFF_SCALE, Vector(params[11], channels)},
                                   {DNNL_ARG_DIFF_SHIFT, Vector(params[12], channels)},
                                   {DNNL_ARG_SCRATCHPAD, plan->norm_back_scratch}});
  memory d_conv_read = plan->d_conv;
  if (position == Position::kFirst) {
    std::memset(params[9], 0, Elements(g.src) * sizeof(float));
  } else {
    d_conv_read = Input(stream, plan->data_dy, plan->d_conv.get_data_handle());
    memory dx(plan->data_dx.plain, Engine(), params[9]);
    plan->data_back.execute(stream, {{DNNL_ARG_DIFF_DST, d_conv_read},
                                     {DNNL_ARG_WEIGHTS, Input(stream, plan->data_weights, params[2])},
                                     {DNNL_ARG_DIFF_SRC, plan->data_dx.needs_reorder ? plan->data_dx.buffer : dx},
                                     {DNNL_ARG_SCRATCHPAD, plan->data_back_scratch}});
    Output(stream, plan->data_dx, dx);
  }
  memory dw(plan->weights_dw.plain, Engine(), params[10]);
  plan->weights_back.execute(stream, {{DNNL_ARG_DIFF_DST, Input(stream, plan->weights_dy, d_conv_read.get_data_handle())},
                                      {DNNL_ARG_SRC, Input(stream, plan->weights_src, params[1])},
                                      {DNNL_ARG_DIFF_WEIGHTS, plan->weights_dw.needs_reorder ? plan->weights_dw.buffer : dw},
                                      {DNNL_ARG_SCRATCHPAD, plan->weights_back_scratch}});
  Output(stream, plan->weights_dw, dw);
  stream.wait();
}

// Checks the tensors' ranks, types and shapes, then runs the forward or the backward block.
int RunBlock(Position position, bool backward, bool bf16, const char *name, int nparam, void **params, int *ndims,
             int64_t **shapes, const char **dtypes) {
  const int expected = backward ? kBlockBackwardParams : kBlockForwardParams;
  if (nparam != expected) {
    std::fprintf(stderr, "%s: expected %d tensors, got %d\n", name, expected, nparam);
    return 1;
  }
  // forward: x w gamma beta | y conv mean var mask pool; backward: dy x w gamma conv mean var mask pool | dx dw dg db
  static const char kForwardKinds[] = "44114411bb", kBackwardKinds[] = "4441411bb4411";
  const char *kinds = backward ? kBackwardKinds : kForwardKinds;
  for (int i = 0; i < expected; ++i) {
    const bool bytes = kinds[i] == 'b';
    const int rank = kinds[i] == '1' ? 1 : 4;
    if (ndims[i] != rank || std::strcmp(dtypes[i], bytes ? "uint8" : "float32") != 0) {
      std::fprintf(stderr, "%s: tensor %d must be %d-D %s, got %d-D %s\n", name, i, rank,
                   bytes ? "uint8" : "float32", ndims[i], dtypes[i]);
      return 1;
    }
  }
  const int x = backward ? 1 : 0, w = x + 1, y = backward ? 0 : 4, conv = backward ? 4 : 5;
  BlockGeometry g = BlockGeometryOf(shapes[x], shapes[w], shapes[y], shapes[conv]);
  const int64_t channels = g.conv[1];
  const int gamma = backward ? 3 : 2, mask = backward ? 7 : 8, pool = mask + 1;
  bool fits = BlockConsistent(g) && shapes[gamma][0] == channels && Dims(shapes[mask]) == g.conv &&
              (g.pooled ? Dims(shapes[pool]) == g.out : Elements(Dims(shapes[pool])) == 1);
  for (int i : backward ? std::vector<int>{5, 6, 11, 12} : std::vector<int>{3, 6, 7}) fits = fits && shapes[i][0] == channels;
  if (backward) fits = fits && Dims(shapes[9]) == g.src && Dims(shapes[10]) == g.weights;
  if (!fits) {
    std::fprintf(stderr, "%s: shapes do not form a stride-1 convolution, its BatchNorm and a 2 or 1 max pooling\n", name);
    return 1;
  }
  return Guarded(name, [&] {
    std::shared_ptr<BlockPlan> plan = FindBlockPlan(position, g, bf16);
    if (plan->relu_mask_bytes > static_cast<size_t>(Elements(g.conv)) ||
        plan->pool_workspace_bytes > static_cast<size_t>(g.pooled ? Elements(g.out) : 1)) {
      throw std::runtime_error("oneDNN asks for larger workspaces than the tensors given");
    }
    memory::desc relu_desc({static_cast<int64_t>(plan->relu_mask_bytes)}, dt::u8, tag::x);
    memory::desc pool_desc({static_cast<int64_t>(std::max<size_t>(plan->pool_workspace_bytes, 1))}, dt::u8, tag::x);
    if (backward) {
      BlockBackward(plan.get(), position, g, params, relu_desc, pool_desc);
    } else {
      BlockForward(plan.get(), g, params, relu_desc, pool_desc);
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// Inference of one bidirectional LSTM layer, zero initial states, both directions' outputs concatenated
// (forward first), as oneDNN's lstm_forward: params = x (T, N, C), w_layer (2, 4H, C), w_iter (2, 4H, H),
// bias (2, 4H: b_ih + b_hh), y (T, N, 2H), all float32; the weights per direction as nn.LSTM keeps them
// (gates i, f, g, o: oneDNN's order too). The "Bf16" entry computes in bf16 (inputs and weights converted,
// output converted back) where the CPU has bf16 instructions.
struct LstmPlan {
  std::mutex lock;
  dnnl::primitive kernel;
  Operand src, w_layer, w_iter, bias, dst;
  memory scratchpad;
};

std::unique_ptr<LstmPlan> MakeLstmPlan(const memory::dims &x, int64_t hidden, dt type) {
  const int64_t steps = x[0], batch = x[1], channels = x[2];
  auto plan = std::make_unique<LstmPlan>();
  memory::desc src_plain({steps, batch, channels}, dt::f32, tag::tnc);
  memory::desc dst_plain({steps, batch, 2 * hidden}, dt::f32, tag::tnc);
  memory::desc w_layer_plain({1, 2, channels, 4, hidden}, dt::f32, tag::ldgoi);
  memory::desc w_iter_plain({1, 2, hidden, 4, hidden}, dt::f32, tag::ldgoi);
  memory::desc bias_plain({1, 2, 4, hidden}, dt::f32, tag::ldgo);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  auto pd = dnnl::lstm_forward::primitive_desc(
      Engine(), dnnl::prop_kind::forward_inference, dnnl::rnn_direction::bidirectional_concat,
      memory::desc({steps, batch, channels}, type, tag::tnc), memory::desc(), memory::desc(),
      memory::desc({1, 2, channels, 4, hidden}, type, tag::any), memory::desc({1, 2, hidden, 4, hidden}, type, tag::any),
      memory::desc({1, 2, 4, hidden}, dt::f32, tag::ldgo), memory::desc({steps, batch, 2 * hidden}, type, tag::tnc),
      memory::desc(), memory::desc(), attr);
  plan->kernel = dnnl::lstm_forward(pd);
  plan->src.Prepare(DNNL_ARG_SRC_LAYER, src_plain, pd.src_layer_desc(), false);
  plan->w_layer.Prepare(DNNL_ARG_WEIGHTS_LAYER, w_layer_plain, pd.weights_layer_desc(), false);
  plan->w_iter.Prepare(DNNL_ARG_WEIGHTS_ITER, w_iter_plain, pd.weights_iter_desc(), false);
  plan->bias.Prepare(DNNL_ARG_BIAS, bias_plain, pd.bias_desc(), false);
  plan->dst.Prepare(DNNL_ARG_DST_LAYER, dst_plain, pd.dst_layer_desc(), true);
  plan->scratchpad = memory(pd.scratchpad_desc(), Engine());
  return plan;
}

std::shared_ptr<LstmPlan> FindLstmPlan(const memory::dims &x, int64_t hidden, bool bf16) {
  static PlanCache<LstmPlan, bool, memory::dims, int64_t> cache;
  return cache.Find({bf16, x, hidden}, [&] {
    // the float32 fallback runs plain float32 (no bf16 arithmetic mode asked of the LSTM)
    return MakeInPrecision(bf16, [&](dt type, bool) { return MakeLstmPlan(x, hidden, type); });
  });
}

int RunLstm(bool bf16, const char *name, int nparam, void **params, int *ndims, int64_t **shapes, const char **dtypes) {
  static const int kRanks[] = {3, 3, 3, 2, 3};
  if (nparam != 5) {
    std::fprintf(stderr, "%s: expected 4 inputs and 1 output, got %d tensors\n", name, nparam);
    return 1;
  }
  for (int i = 0; i < 5; ++i) {
    if (ndims[i] != kRanks[i] || std::strcmp(dtypes[i], "float32") != 0) {
      std::fprintf(stderr, "%s: tensor %d must be %d-D float32, got %d-D %s\n", name, i, kRanks[i], ndims[i], dtypes[i]);
      return 1;
    }
  }
  const memory::dims x(shapes[0], shapes[0] + 3);
  const int64_t hidden = shapes[2][2], gates = 4 * hidden;
  const bool fits = shapes[1][0] == 2 && shapes[1][1] == gates && shapes[1][2] == x[2] && shapes[2][0] == 2 &&
                    shapes[2][1] == gates && shapes[3][0] == 2 && shapes[3][1] == gates && shapes[4][0] == x[0] &&
                    shapes[4][1] == x[1] && shapes[4][2] == 2 * hidden;
  if (!fits) {
    std::fprintf(stderr, "%s: shapes do not form a bidirectional LSTM layer\n", name);
    return 1;
  }
  return Guarded(name, [&] {
    std::shared_ptr<LstmPlan> plan = FindLstmPlan(x, hidden, bf16);
    std::lock_guard<std::mutex> guard(plan->lock);
    dnnl::stream stream(Engine());
    memory y(plan->dst.plain, Engine(), params[4]);
    plan->kernel.execute(stream, {{DNNL_ARG_SRC_LAYER, Input(stream, plan->src, params[0])},
                                  {DNNL_ARG_WEIGHTS_LAYER, Input(stream, plan->w_layer, params[1])},
                                  {DNNL_ARG_WEIGHTS_ITER, Input(stream, plan->w_iter, params[2])},
                                  {DNNL_ARG_BIAS, Input(stream, plan->bias, params[3])},
                                  {DNNL_ARG_DST_LAYER, plan->dst.needs_reorder ? plan->dst.buffer : y},
                                  {DNNL_ARG_SCRATCHPAD, plan->scratchpad}});
    Output(stream, plan->dst, y);
    stream.wait();
  });
}

}  // namespace

#define CRNN_CONV_ENTRY(NAME, ROLE, POSITION, BF16)                                                  \
  extern "C" __attribute__((visibility("default"))) int NAME(int nparam, void **params, int *ndims, int64_t **shapes, const char **dtypes, \
                      void * /*stream*/, void * /*extra*/) {                                        \
    return Run(ROLE, POSITION, BF16, #NAME, nparam, params, ndims, shapes, dtypes);                  \
  }
#define CRNN_CONV_ENTRIES(POS)                                                                   \
  CRNN_CONV_ENTRY(CrnnConvBiasRelu##POS, Role::kBiasRelu, Position::k##POS, false)               \
  CRNN_CONV_ENTRY(CrnnConvBiasRelu##POS##Bf16, Role::kBiasRelu, Position::k##POS, true)          \
  CRNN_CONV_ENTRY(CrnnConvBiasReluPool##POS, Role::kBiasReluPool, Position::k##POS, false)       \
  CRNN_CONV_ENTRY(CrnnConvBiasReluPool##POS##Bf16, Role::kBiasReluPool, Position::k##POS, true)

CRNN_CONV_ENTRIES(First)
CRNN_CONV_ENTRIES(Middle)
CRNN_CONV_ENTRIES(Last)
CRNN_CONV_ENTRIES(Only)

#define CRNN_BLOCK_ENTRY(NAME, POSITION, BACKWARD, BF16)                                              \
  extern "C" __attribute__((visibility("default"))) int NAME(int nparam, void **params, int *ndims, int64_t **shapes, const char **dtypes, \
                      void * /*stream*/, void * /*extra*/) {                                        \
    return RunBlock(POSITION, BACKWARD, BF16, #NAME, nparam, params, ndims, shapes, dtypes);         \
  }
#define CRNN_BLOCK_ENTRIES(POS)                                                  \
  CRNN_BLOCK_ENTRY(CrnnBlockForward##POS, Position::k##POS, false, false)        \
  CRNN_BLOCK_ENTRY(CrnnBlockForward##POS##Bf16, Position::k##POS, false, true)   \
  CRNN_BLOCK_ENTRY(CrnnBlockBackward##POS, Position::k##POS, true, false)        \
  CRNN_BLOCK_ENTRY(CrnnBlockBackward##POS##Bf16, Position::k##POS, true, true)

CRNN_BLOCK_ENTRIES(First)
CRNN_BLOCK_ENTRIES(Middle)
CRNN_BLOCK_ENTRIES(Last)
CRNN_BLOCK_ENTRIES(Only)

#define CRNN_LSTM_ENTRY(NAME, BF16)                                                                 \
  extern "C" __attribute__((visibility("default"))) int NAME(int nparam, void **params, int *ndims, int64_t **shapes, const char **dtypes, \
                      void * /*stream*/, void * /*extra*/) {                                        \
    return RunLstm(BF16, #NAME, nparam, params, ndims, shapes, dtypes);                              \
  }
CRNN_LSTM_ENTRY(CrnnLstmInference, false)
CRNN_LSTM_ENTRY(CrnnLstmInferenceBf16, true)

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

// How many plans the inference kernels' cache holds (at most kMaxPlans).
extern "C" __attribute__((visibility("default"))) int CrnnConvCachedPlans() {
  return static_cast<int>(Cache().Size());
}

// The sha256 of the crnn_conv.cc this library was built from (scripts/build_native.sh passes it), so
// that a library built from an older source is recognised and not used.
#ifndef CRNN_CONV_SOURCE_SHA256
#define CRNN_CONV_SOURCE_SHA256 "unknown"
#endif
extern "C" __attribute__((visibility("default"))) const char *CrnnConvSourceSha256() { return CRNN_CONV_SOURCE_SHA256; }
