"""bench: the reference runs and their mean (the figures themselves are measured, not tested)."""
import sys

from bench.run import reference_mean, run_reference


def test_reference_run_parses_the_last_json_line_and_reports_failure(tmp_path):
    script = tmp_path / "ref.py"
    script.write_text("import sys\nprint('warming up')\n"
                      "print('{\"peer\": \"x\", \"batch\": %s, \"train_img_s\": 40.0, \"eval_img_s\": 120.0}' % sys.argv[1])\n")
    assert run_reference(sys.executable, str(script)) == {"peer": "x", "batch": 64, "train_img_s": 40.0,
                                                          "eval_img_s": 120.0}
    broken = tmp_path / "broken.py"
    broken.write_text("raise SystemExit('no torch here')\n")
    assert run_reference(sys.executable, str(broken)) == {"error": ["no torch here"]}


def test_reference_mean_skips_failed_runs():
    runs = [{"train_img_s": 40.0, "eval_img_s": 120.0}, {"error": ["x"]}, {"train_img_s": 44.0, "eval_img_s": 130.0}]
    assert reference_mean(runs) == {"train_img_s": 42.0, "eval_img_s": 125.0}
    assert reference_mean([{"error": ["x"]}]) == {}
