"""The release rule: counts decide, a worse candidate is refused with both models' scores printed."""
import os
import subprocess
import sys

import pytest

from src.release_gate import EvalSet, parse_sets, verdict
from src.errors import CRNNError
from tests.conftest import DEMO_READ, DEMO_WORDS, REALDATA, REPO, SHIPPED, needs_realdata

SETS = [EvalSet("ic15", "IC15_train@val", "validation"), EvalSet("iiit5k", "train@val", "validation"),
        EvalSet("iiit5k", "test", "test"), EvalSet("ic13", "IC13", "test")]


def test_candidate_ships_when_validation_rises_and_tests_hold():
    ships, reason = verdict([243, 200, 2346, 693], [259, 201, 2346, 693], SETS)
    assert ships and reason.startswith("SHIP") and "+17" in reason


def test_validation_words_are_counted_across_parts_not_per_part():
    # one part down by 5, the other up by 6: one word more over both parts ships
    assert verdict([243, 200, 2346, 693], [238, 206, 2346, 693], SETS)[0]


def test_candidate_is_refused_when_validation_does_not_rise():
    ships, reason = verdict([243, 200, 2346, 693], [243, 200, 2400, 700], SETS)
    assert not ships and reason.startswith("KEEP") and "443 validation words against 443" in reason


def test_candidate_is_refused_when_test_words_fall():
    # IIIT5K and IC13 are added: +20 on one and -21 on the other is one word fewer
    ships, reason = verdict([243, 200, 2346, 693], [280, 210, 2366, 672], SETS)
    assert not ships and "fewer test words (3038 vs 3039)" in reason


def test_a_set_is_kind_colon_path():
    assert parse_sets(["ic15:/a/b@val"], "validation") == [EvalSet("ic15", "/a/b@val", "validation")]
    with pytest.raises(CRNNError, match="kind:path"):
        parse_sets(["/a/b@val"], "validation")


def _gate(candidate, shipped):
    return subprocess.run([sys.executable, "-m", "src.release_gate", candidate, "--shipped", shipped,
                           "--validation", f"iiit5k:{DEMO_WORDS}", "--test", f"iiit5k:{DEMO_WORDS}"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)


def test_gate_refuses_a_worse_checkpoint_and_ships_a_better_one(trained_run):
    worse = trained_run[2]  # 40 steps on 320 generated words: reads none of the demo crops
    refused = _gate(worse, SHIPPED)
    assert refused.returncode == 1, refused.stderr[-2000:]
    rows = [line.split() for line in refused.stdout.splitlines() if line.startswith("iiit5k:words")]
    assert [r[3] for r in rows] == [str(DEMO_READ)] * 2 and all(int(r[4]) < DEMO_READ for r in rows)
    assert "verdict: KEEP the shipped model" in refused.stdout
    accepted = _gate(SHIPPED, worse)
    assert accepted.returncode == 0 and "verdict: SHIP the candidate" in accepted.stdout


def test_gate_names_a_missing_checkpoint():
    result = _gate(os.path.join(REPO, "no_such.ckpt"), SHIPPED)
    assert result.returncode == 2 and result.stderr.strip().splitlines()[-1].startswith("error: checkpoint")


@pytest.mark.slow
@needs_realdata("IIIT5K", "IC15_train", "IC13")
def test_compare_script_refuses_a_worse_checkpoint_on_the_real_sets(trained_run, tmp_path):
    env = dict(os.environ, CRNN_REALDATA=REALDATA, DATA=str(tmp_path / "data"))
    result = subprocess.run(["bash", os.path.join(REPO, "scripts", "compare_release.sh"), trained_run[2]],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 1, result.stderr[-2000:]
    scores = {line.split()[0]: line.split()[2:5] for line in result.stdout.splitlines() if ":" in line.split()[0]}
    # the shipped model's published counts (models/README.md), next to the worse model's
    assert scores["iiit5k:iiit5k_test"][:2] == ["3000", "2505"] and scores["ic13:IC13"][:2] == ["857", "741"]
    assert scores["ic15:IC15_train@val"][:2] == ["420", "295"]
    assert "verdict: KEEP the shipped model" in result.stdout


def test_without_test_sets_the_validation_parts_alone_decide():
    # the recipe pits a stage's weight average against its trained weights this way
    sets = SETS[:2]
    assert verdict([243, 200], [244, 200], sets) == (True, "SHIP the candidate: 444 validation words against 443 (+1)")
    assert not verdict([243, 200], [243, 200], sets)[0]
