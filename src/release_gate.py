"""The release rule: whether a candidate checkpoint replaces the shipped model.

Both models are scored by eval.py's path on the same crops. The candidate wins when it reads more words
of the validation parts (held-back tenths of real training sets, where choices are made) and not fewer
of the test sets (IIIT5K test and IC13 together, reported, never traded away). Counts of words decide,
not percentages, so sets of different sizes add up honestly.
"""
import argparse
import contextlib
import io
import os
import sys
from dataclasses import dataclass

from src.errors import CRNNError, report_errors

ROLES = ("validation", "test")
SHIPPED_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "crnn_v2_release.ckpt")


@dataclass(frozen=True)
class EvalSet:
    """One scored set: kind (a dataset kind), path, and whether it decides (validation) or guards (test)."""
    kind: str
    path: str
    role: str

    @property
    def name(self):
        return f"{self.kind}:{os.path.basename(self.path.rstrip('/'))}"


def parse_sets(specs, role):
    """EvalSets from 'kind:path' strings."""
    sets = []
    for spec in specs:
        kind, sep, path = spec.partition(":")
        if not sep or not kind or not path:
            raise CRNNError(f"a {role} set is 'kind:path', got {spec!r}")
        sets.append(EvalSet(kind, path, role))
    return sets


def verdict(shipped, candidate, sets):
    """(ships, reason) from two lists of correct counts aligned with sets."""
    totals = {}
    for role in ROLES:
        idx = [i for i, s in enumerate(sets) if s.role == role]
        totals[role] = (sum(shipped[i] for i in idx), sum(candidate[i] for i in idx))
    (val_old, val_new), (test_old, test_new) = totals["validation"], totals["test"]
    if val_new <= val_old:
        return False, f"KEEP the shipped model: the candidate reads {val_new} validation words against {val_old}"
    if test_new < test_old:  # with no test sets both are 0
        return False, (f"KEEP the shipped model: the candidate reads more validation words ({val_new} vs {val_old}) "
                       f"but fewer test words ({test_new} vs {test_old})")
    tests = f", test words {test_new} against {test_old} ({test_new - test_old:+d})" if any(
        s.role == "test" for s in sets) else ""
    return True, f"SHIP the candidate: {val_new} validation words against {val_old} (+{val_new - val_old}){tests}"


def score(model_path, eval_set, base_argv):
    """(correct, total) of model_path on eval_set, by eval.py's path; its printed lines are swallowed."""
    from src.evaluator import evaluate  # pylint: disable=import-outside-toplevel
    from src.model_utils.config import load_config  # pylint: disable=import-outside-toplevel
    config = load_config(list(base_argv) + ["--eval_dataset", eval_set.kind, "--eval_dataset_path", eval_set.path])
    with contextlib.redirect_stdout(io.StringIO()):
        result = evaluate(config, model_path)
    return result["correct"], result["total"]


def table(sets, shipped, candidate, totals):
    """The printed comparison: one row a set, then one a role."""
    rows = [f"{'set':<28} {'role':<10} {'words':>6} {'shipped':>8} {'candidate':>10} {'change':>7}"]
    for s, old, new, total in zip(sets, shipped, candidate, totals):
        rows.append(f"{s.name:<28} {s.role:<10} {total:>6} {old:>8} {new:>10} {new - old:>+7d}")
    for role in ROLES:
        idx = [i for i, s in enumerate(sets) if s.role == role]
        if not idx:
            continue
        old, new, total = (sum(x[i] for i in idx) for x in (shipped, candidate, totals))
        rows.append(f"{'all ' + role:<28} {role:<10} {total:>6} {old:>8} {new:>10} {new - old:>+7d}")
    return "\n".join(rows)


def compare(candidate, shipped, sets, base_argv, out=sys.stdout):
    """Score both models on every set, print the table and the verdict line; return whether it ships."""
    for path in (candidate, shipped):
        if not os.path.isfile(path):
            raise CRNNError(f"checkpoint {path!r} not found")
    if not any(s.role == "validation" for s in sets):
        raise CRNNError("the release rule needs at least one validation set")
    old_scores = [score(shipped, s, base_argv) for s in sets]
    new_scores = [score(candidate, s, base_argv) for s in sets]
    totals = [t for _, t in old_scores]
    old, new = [c for c, _ in old_scores], [c for c, _ in new_scores]
    ships, reason = verdict(old, new, sets)
    print(f"shipped:   {shipped}\ncandidate: {candidate}", file=out)
    print(table(sets, old, new, totals), file=out)
    print(f"verdict: {reason}", file=out)
    return ships


@report_errors
def main(argv=None):
    parser = argparse.ArgumentParser(description="Apply the release rule to a candidate checkpoint.")
    parser.add_argument("candidate", help="the candidate checkpoint (the recipe's float16 export)")
    parser.add_argument("--shipped", default=SHIPPED_PATH, help="the model to beat (default: models/; the recipe "
                        "also pits a stage's weight average against its trained weights)")
    parser.add_argument("--validation", nargs="+", required=True, metavar="KIND:PATH",
                        help="validation parts, e.g. ic15:IC15_train@val")
    parser.add_argument("--test", nargs="*", default=[], metavar="KIND:PATH",
                        help="test sets that must not lose words (none: the validation parts alone decide)")
    args, rest = parser.parse_known_args(argv)
    sets = parse_sets(args.validation, "validation") + parse_sets(args.test, "test")
    base_argv = ["--device_target", "CPU", "--model_version", "V2"] + rest
    ships = compare(os.path.abspath(args.candidate), os.path.abspath(args.shipped), sets, base_argv)
    sys.exit(0 if ships else 1)


if __name__ == "__main__":
    main()
