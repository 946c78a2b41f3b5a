"""Evaluate an ONNX model: python eval_onnx.py --eval_dataset svt --eval_dataset_path D --file_name crnn.onnx --device_target CPU"""
from src.errors import report_errors
from src.evaluator import evaluate_onnx
from src.model_utils.config import load_config


@report_errors
def main(argv=None):
    evaluate_onnx(load_config(argv))


if __name__ == "__main__":
    main()
