"""eval.py and eval_onnx.py: score a model on a dataset, every sample exactly once, in file order."""
import os

from src.checkpoint import checkpoint_or_shipped
from src.dataset import batched_dataset, load_samples
from src.errors import CRNNError
from src.metric import CRNNAccuracy
from src.model_alphabet import use_model_alphabet
from src.model_utils.moxing_adapter import moxing_wrapper
from src.recognizer import Recognizer, WordDecoder, recognize, score

ZOO_RESULT_LINE = "result: {{'CRNNAccuracy': {}}}"  # eval.py
ZOO_ONNX_RESULT_LINE = "result: {}"                   # eval_onnx.py


@moxing_wrapper
def evaluate(config, model_path=None, result_line=ZOO_RESULT_LINE):
    """Print the zoo's lines plus 1-NED and the model's img/s; return them as a dict.

    model_path: a checkpoint, ONNX or MINDIR file (default: config.checkpoint_path, else the shipped model).
    """
    model_path = model_path or checkpoint_or_shipped(config.checkpoint_path, config)
    use_model_alphabet(config, model_path)
    samples = load_samples(config.eval_dataset, config.eval_dataset_path, False, config)
    recognizer = Recognizer.load(config, model_path)
    dataset = batched_dataset(samples, config, config.batch_size, False)
    readings = recognize(recognizer, dataset, samples, WordDecoder(config, config.eval_dataset_path))
    metric = score(readings, CRNNAccuracy(config, print_flag=config.print_flag))
    if config.lexicon:
        print(f"lexicon: {config.lexicon}")
    accuracy = metric.eval()
    ned = metric.normalized_edit_similarity()
    img_per_s = recognizer.images / max(recognizer.seconds, 1e-9)
    print(result_line.format(accuracy))
    print(f"metric_mode: {metric.mode}")
    print(f"1-NED: {ned:.4f}")
    print(f"images: {recognizer.images}, {img_per_s:.1f} img/s ({recognizer.description})")
    return {"accuracy": accuracy, "one_minus_ned": ned, "metric_mode": metric.mode, "total": metric.total,
            "correct": metric.correct, "img_per_s": img_per_s, "predictions": metric.predictions}


def evaluate_onnx(config):
    """eval.py for an exported ONNX model (config.file_name), with onnxruntime; the zoo's eval_onnx lines."""
    path = config.file_name if config.file_name.endswith(".onnx") else config.file_name + ".onnx"
    if not os.path.isfile(path):
        raise CRNNError(f"ONNX model {path!r} not found (pass --file_name)")
    return evaluate(config, path, ZOO_ONNX_RESULT_LINE)
