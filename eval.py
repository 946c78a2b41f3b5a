"""Evaluate CRNN: python eval.py --eval_dataset synth --eval_dataset_path D --checkpoint_path C --device_target CPU --model_version V2"""
from src.errors import report_errors
from src.evaluator import evaluate
from src.model_utils.config import load_config


@report_errors
def main(argv=None):
    evaluate(load_config(argv))


if __name__ == "__main__":
    main()
