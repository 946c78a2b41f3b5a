"""Plot a training run: python plot.py RUN_DIR [--checkpoint C] [--dataset synth --dataset_path D] [--num 24]

Writes RUN_DIR/curves.png (loss, lr, img/s, eval accuracy from metrics.jsonl) and, when a checkpoint
and an evaluation set are found, RUN_DIR/predictions.png (images with prediction and label).
"""
import argparse
import os

from src.checkpoint_files import newest_checkpoint
from src.errors import CRNNError, report_errors


def _newest_checkpoint(run_dir):
    best = os.path.join(run_dir, "ckpt", "best_acc.ckpt")
    if os.path.isfile(best):
        return best
    return newest_checkpoint(os.path.join(run_dir, "ckpt"))


def _prediction_items(config, checkpoint, dataset, dataset_path, num):
    from src.dataset import batched_dataset, decode_image, load_samples  # pylint: disable=import-outside-toplevel
    from src.recognizer import Recognizer, WordDecoder, recognize  # pylint: disable=import-outside-toplevel

    samples = load_samples(dataset, dataset_path, False, config)[:num]
    recognizer = Recognizer.load(config, checkpoint)
    readings = recognize(recognizer, batched_dataset(samples, config, config.batch_size, False), samples,
                         WordDecoder(config))
    return [(decode_image(s.path)[:, :, ::-1], word, s.text) for s, word, _ in readings]


@report_errors
def main(argv=None):
    parser = argparse.ArgumentParser(description="Plot curves and sample predictions of a train.py run.")
    parser.add_argument("run_dir", help="the run's output_dir (holds metrics.jsonl, config.yaml, ckpt/)")
    parser.add_argument("--checkpoint", default="", help="default: best_acc.ckpt, else the newest crnn-*.ckpt")
    parser.add_argument("--dataset", default="", help="dataset kind; default: the run's train_eval_dataset "
                        "if it had a path, else its training set's test split")
    parser.add_argument("--dataset_path", default="")
    parser.add_argument("--num", type=int, default=24, help="number of sample predictions to draw")
    args = parser.parse_args(argv)

    from src.model_utils.config import load_config, load_run_config  # pylint: disable=import-outside-toplevel
    from src.plotting import plot_curves, plot_predictions, read_metrics  # pylint: disable=import-outside-toplevel
    run_dir = args.run_dir
    if not os.path.isdir(run_dir):
        raise CRNNError(f"run directory {run_dir!r} is not a directory")
    steps, evals = read_metrics(os.path.join(run_dir, "metrics.jsonl"))
    run_config = os.path.join(run_dir, "config.yaml")
    config = load_run_config(run_config) if os.path.isfile(run_config) else load_config([])
    title = f"{config.model_version}, batch {config.batch_size}, {config.optimizer} lr {config.learning_rate}"
    print("wrote", plot_curves(steps, evals, os.path.join(run_dir, "curves.png"), title))

    dataset, dataset_path = args.dataset, args.dataset_path
    if not dataset_path:
        if config.train_eval_dataset_path:
            dataset, dataset_path = dataset or config.train_eval_dataset, config.train_eval_dataset_path
        else:
            dataset, dataset_path = dataset or config.train_dataset, config.train_dataset_path
    checkpoint = args.checkpoint or _newest_checkpoint(run_dir)
    if not checkpoint or not dataset_path:
        print("no checkpoint or dataset found: predictions.png not drawn")
        return
    items = _prediction_items(config, checkpoint, dataset or "synth", dataset_path, args.num)
    print("wrote", plot_predictions(items, os.path.join(run_dir, "predictions.png"),
                                    title=os.path.basename(checkpoint), metric_mode=config.metric_mode))


if __name__ == "__main__":
    main()
