"""Evaluate a checkpoint or an ONNX model on a dataset: every sample exactly once, in file order."""
import os
import time

from src.checkpoint import load_network_checkpoint
from src.crnn import crnn
from src.dataset import batched_dataset, create_dataset, load_samples
from src.errors import CRNNError
from src.label import LabelCodec
from src.lexicon import Lexicon, LexiconDecoder
from src.metric import CRNNAccuracy
from src.model_utils.device_adapter import full_precision, set_device
from src.model_utils.moxing_adapter import moxing_wrapper


def load_eval_network(config, checkpoint_path):
    """The configured network with a checkpoint loaded, in inference mode."""
    net = crnn(config, full_precision=full_precision(config))
    load_network_checkpoint(net, checkpoint_path, config.model_version)
    net.set_train(False)
    return net


def run_metric(net, dataset, metric):
    """Feed every batch of dataset through net into metric; return (images seen, seconds)."""
    seen, start = 0, time.time()
    for images, labels in dataset.create_tuple_iterator(num_epochs=1):
        metric.update(net(images), labels)
        seen += images.shape[0]
    return seen, time.time() - start


def run_lexicon_metric(net, samples, config, metric):
    """As run_metric, decoding each image to the most probable word of its lexicon (config.lexicon)."""
    codec = LabelCodec(config.label_dict, config.max_text_length)
    lexicon, decoder = Lexicon(config.lexicon), LexiconDecoder(codec)
    words = [lexicon.words_for(s.path, config.eval_dataset_path) for s in samples]
    dataset = batched_dataset(samples, config, config.batch_size, False)
    seen, start = 0, time.time()
    for images, _ in dataset.create_tuple_iterator(num_epochs=1):
        logits = net(images).asnumpy()
        batch = range(seen, seen + images.shape[0])
        predictions = [decoder.decode(logits[:, i - seen, :], words[i])[0] for i in batch]
        metric.update_texts(predictions, [samples[i].text for i in batch])
        seen += images.shape[0]
    return seen, time.time() - start


@moxing_wrapper
def evaluate(config):
    """Print the zoo's result line plus 1-NED and img/s; return them as a dict."""
    set_device(config)
    net = load_eval_network(config, config.checkpoint_path)
    metric = CRNNAccuracy(config, print_flag=config.print_flag)
    if config.lexicon:
        samples = load_samples(config.eval_dataset, config.eval_dataset_path, False, config)
        seen, seconds = run_lexicon_metric(net, samples, config, metric)
        print(f"lexicon: {config.lexicon}")
    else:
        dataset = create_dataset(config.eval_dataset, config.eval_dataset_path, config.batch_size,
                                 is_training=False, config=config)
        seen, seconds = run_metric(net, dataset, metric)
    return report(metric, seen, seconds, "result: {{'CRNNAccuracy': {}}}")


def report(metric, seen, seconds, result_format, speed_note=""):
    """Print the zoo's lines (result_format takes the accuracy), 1-NED and img/s; return them as a dict."""
    accuracy = metric.eval()
    ned = metric.normalized_edit_similarity()
    img_per_s = seen / max(seconds, 1e-9)
    print(result_format.format(accuracy))
    print(f"1-NED: {ned:.4f}")
    print(f"images: {seen}, {img_per_s:.1f} img/s{speed_note}")
    return {"accuracy": accuracy, "one_minus_ned": ned, "total": metric.total, "correct": metric.correct,
            "img_per_s": img_per_s, "predictions": metric.predictions}


def evaluate_onnx(config):
    """eval.py for an exported ONNX model (config.file_name), with onnxruntime; same output lines."""
    from src.onnx_inference import open_session, run_logits  # pylint: disable=import-outside-toplevel
    path = config.file_name if config.file_name.endswith(".onnx") else config.file_name + ".onnx"
    if not os.path.isfile(path):
        raise CRNNError(f"ONNX model {path!r} not found (pass --file_name)")
    session = open_session(path, config.device_target)
    dataset = create_dataset(config.eval_dataset, config.eval_dataset_path, config.batch_size,
                             is_training=False, config=config)
    metric = CRNNAccuracy(config, print_flag=config.print_flag)
    seen, seconds = 0, 0.0
    for images, labels in dataset.create_tuple_iterator(num_epochs=1, output_numpy=True):
        start = time.time()
        logits = run_logits(session, images)
        seconds += time.time() - start
        metric.update(logits, labels)
        seen += len(images)
    return report(metric, seen, seconds, "result: {}", f" (onnxruntime, {session.get_providers()[0]})")
