"""Evaluate a checkpoint on a dataset: every sample exactly once, in file order."""
import time

from src.checkpoint import load_network_checkpoint
from src.crnn import crnn
from src.dataset import create_dataset
from src.metric import CRNNAccuracy
from src.model_utils.device_adapter import full_precision, set_device


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


def evaluate(config):
    """Print the zoo's result line plus 1-NED and img/s; return them as a dict."""
    set_device(config)
    net = load_eval_network(config, config.checkpoint_path)
    dataset = create_dataset(config.eval_dataset, config.eval_dataset_path, config.batch_size,
                             is_training=False, config=config)
    metric = CRNNAccuracy(config, print_flag=config.print_flag)
    seen, seconds = run_metric(net, dataset, metric)
    accuracy = metric.eval()
    ned = metric.normalized_edit_similarity()
    print(f"result: {{'CRNNAccuracy': {accuracy}}}")
    print(f"1-NED: {ned:.4f}")
    print(f"images: {seen}, {seen / max(seconds, 1e-9):.1f} img/s")
    return {"accuracy": accuracy, "one_minus_ned": ned, "total": metric.total, "correct": metric.correct,
            "img_per_s": seen / max(seconds, 1e-9), "predictions": metric.predictions}
