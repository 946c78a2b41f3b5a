"""bench: the reference runs and their mean (the figures themselves are measured, not tested)."""
import sys

import pytest

from bench.run import reference_mean, run_reference, with_ratios


def test_reference_run_parses_every_json_line_and_reports_failure(tmp_path):
    script = tmp_path / "ref.py"
    line = "print('{\"peer\": \"%s\", \"batch\": %s, \"train_img_s\": 40.0, \"eval_img_s\": 120.0}' % (p, sys.argv[1]))"
    script.write_text("import sys\nprint('warming up')\nfor p in ('x', 'y'):\n    " + line + "\n")
    assert run_reference(sys.executable, str(script)) == [
        {"peer": p, "batch": 64, "train_img_s": 40.0, "eval_img_s": 120.0} for p in ("x", "y")]
    broken = tmp_path / "broken.py"
    broken.write_text("raise SystemExit('no torch here')\n")
    assert run_reference(sys.executable, str(broken)) == [{"error": ["no torch here"], "script": "broken.py"}]


def test_reference_mean_is_per_variant_and_skips_failed_runs():
    runs = [{"peer": "a", "train_img_s": 40.0, "eval_img_s": 120.0}, {"error": ["x"]},
            {"peer": "a", "train_img_s": 44.0, "eval_img_s": 130.0}, {"peer": "b", "train_img_s": 90.0, "eval_img_s": 300.0}]
    assert reference_mean(runs) == {"a": {"train_img_s": 42.0, "eval_img_s": 125.0},
                                    "b": {"train_img_s": 90.0, "eval_img_s": 300.0}}
    assert reference_mean([{"error": ["x"]}]) == {}


def test_each_figure_is_compared_with_pytorch_of_its_own_dtype():
    mean = {"torch-eager": {"train_img_s": 45.0, "eval_img_s": 130.0},
            "torch-channels_last-fp32": {"train_img_s": 50.0, "eval_img_s": 170.0},
            "torch-channels_last-bf16": {"train_img_s": 100.0, "eval_img_s": 330.0}}
    fp32 = with_ratios({"figure": "train", "img_per_s": 45.0}, "native", mean)
    assert fp32["ratios"] == {"torch-eager": 1.0, "torch-channels_last-fp32": 0.9} and fp32["ratio_to_reference"] == 0.9
    bf16 = with_ratios({"figure": "eval", "img_per_s": 264.0}, "native_bf16", mean)
    assert bf16["ratios"] == {"torch-channels_last-bf16": 0.8} and bf16["reference_img_per_s"] == {
        "torch-channels_last-bf16": 330.0}
    assert "ratios" not in with_ratios({"figure": "train", "img_per_s": 45.0}, "native_bf16", {"torch-eager": mean["torch-eager"]})


def test_the_step_profile_groups_both_sides_ops_by_what_they_do():
    from bench.step_profile import group_of, grouped
    assert [group_of(op) for op in ("Custom (backward)", "aten::convolution_backward", "BatchNormGrad (backward)",
                                    "aten::native_batch_norm", "aten::clamp_min_", "ReluGrad (backward)",
                                    "aten::max_pool2d_with_indices", "LSTMGrad (backward)", "aten::mkldnn_rnn_layer",
                                    "aten::mm", "MatMul (forward)", "aten::_to_copy", "SGD (forward)",
                                    "aten::add_")] == [
        "convolution", "convolution", "batch norm", "batch norm", "relu", "relu", "pooling", "lstm", "lstm",
        "dense", "dense", "layout and dtype", "optimizer", "elementwise and other"]
    assert grouped({"Custom (forward)": 2.0, "Custom (backward)": 3.0, "ReLU (forward)": 1.0}) == {
        "convolution": 5.0, "relu": 1.0}


@pytest.mark.slow
def test_the_step_profile_of_our_training_step_accounts_for_the_step():
    from bench.step_profile import profile_ours
    result = profile_ours("native", warmup=1, steps=2)
    assert result["groups"]["convolution"] > 0 and result["groups"]["lstm"] > 0
    assert 0.5 < result["profiled_ms"] / result["step_ms"] < 1.5  # the ops' own times make up the step
