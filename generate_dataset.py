"""Render a synthetic word dataset in the MJSynth layout, readable with --train_dataset synth.

    python generate_dataset.py --output_dir D --num_train N --num_test M --seed S
"""
import json
import time

from src.errors import CRNNError, report_errors
from src.model_utils.config import load_config
from src.synth.options import RenderOptions
from src.synth.writer import generate_dataset


@report_errors
def main(argv=None):
    config = load_config(argv)
    if config.num_train < 0 or config.num_test < 0:
        raise CRNNError("num_train and num_test must not be negative")
    start = time.time()
    summary = generate_dataset(config.output_dir, config.num_train, config.num_test, seed=config.seed,
                               word_list=config.word_list, workers=config.num_parallel_workers,
                               options=RenderOptions.from_config(config), alphabet=config.label_dict)
    elapsed = time.time() - start
    summary.update(output_dir=config.output_dir, seconds=round(elapsed, 1),
                   images_per_second=round((config.num_train + config.num_test) / max(elapsed, 1e-9), 1))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
