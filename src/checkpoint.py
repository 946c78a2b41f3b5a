"""Checkpoints: atomic save of the training state, strict load of network weights, and the one exception
to strictness: fine-tuning to another alphabet, which starts the classifier afresh."""
import logging
import os

import mindspore as ms

from src.crnn import crnn
from src.errors import CRNNError
from src.fileio import atomic_path
from src.alphabet import ALPHABET_ENTRY, checkpoint_alphabet, describe
from src.model_utils.device_adapter import full_precision
from src.weight_average import AVERAGE_PREFIX, average_weights

logger = logging.getLogger("crnn")

# Entries a training checkpoint holds besides the network's own parameters.
_TRAINING_STATE_PREFIXES = (AVERAGE_PREFIX, "accum.", "stat.", "moments.", "momentum", "moment1.", "moment2.",
                            "vhat.", "beta1_power", "beta2_power", "learning_rate", "global_step", "epoch_num", "best_accuracy",
                            "step_num", "current_iterator_step", "last_overflow_iterator_step")


def save_checkpoint_atomic(cell, path, append_dict=None, alphabet=None):
    """Write cell's parameters (and the alphabet the network reads, when given) to path via a temporary
    file and a rename: path is whole or absent."""
    extra = dict(append_dict or {})
    if alphabet is not None:
        extra[ALPHABET_ENTRY] = alphabet
    with atomic_path(path, suffix=".ckpt") as tmp:
        ms.save_checkpoint(cell, tmp, append_dict=extra or None)


def read_checkpoint(path):
    """Parameter dict of a checkpoint file, or a CRNNError naming the file."""
    if not path or not os.path.isfile(path):
        raise CRNNError(f"checkpoint {path!r} not found")
    try:
        return ms.load_checkpoint(path)
    except (ValueError, RuntimeError, OSError) as err:
        raise CRNNError(f"checkpoint {path} cannot be read (corrupt or not a MindSpore checkpoint): "
                        f"{str(err).splitlines()[0]}") from None


# The release checkpoint in models/ (weights only), used when no checkpoint is given.
SHIPPED_MODEL = "crnn_v2_release.ckpt"
# The zoo's CTC loss cell keeps its fixed inputs as Parameters, so its training checkpoints hold them.
ZOO_LOSS_ENTRIES = ("sequence_length", "labels_indices")
# The parameters whose shape follows the class count (len(alphabet) + 1), by model version.
CLASSIFIER_PARAMETERS = {"V2": ("rnn.1.embedding.weight", "rnn.1.embedding.bias"), "V1": ("fc.weight", "fc.bias")}


def network_weights(param_dict):
    """The subset of a checkpoint that belongs to the network (optimizer, counters, the alphabet and the
    zoo's loss cell entries removed)."""
    return {k: v for k, v in param_dict.items()
            if not k.startswith(_TRAINING_STATE_PREFIXES) and k not in ZOO_LOSS_ENTRIES and k != ALPHABET_ENTRY}


def load_network_checkpoint(net, path, model_version="", which="trained", alphabet=None):
    """Load path into net; every network parameter must be present with its shape, and nothing else.

    which: "trained" (the network's own weights) or "average" (the weight average a training checkpoint
    keeps with ema_decay). alphabet: the one net reads; a checkpoint that stores another is refused.
    """
    params = read_checkpoint(path)
    stored = checkpoint_alphabet(params)
    if alphabet is not None and stored is not None and stored != alphabet:
        raise CRNNError(f"checkpoint {path} reads another alphabet ({describe(stored)}) than this network "
                        f"({describe(alphabet)}): give its label_dict or character_dict_path, or fine-tune "
                        "it to this alphabet with --pre_trained")
    weights = average_weights(params, path) if which == "average" else network_weights(params)
    zoo_entries = [k for k in ZOO_LOSS_ENTRIES if k in params]
    if zoo_entries:
        logger.warning("%s: ignored %s (the zoo's loss-cell entries, not network weights)", path, ", ".join(zoo_entries))
    return _load_weights(net, weights, path, model_version)


def _load_weights(net, weights, path, model_version):
    """Load a {name: Parameter} dict into net, strictly: every parameter with its shape, nothing else."""
    expected = {p.name: tuple(p.shape) for p in net.get_parameters()}
    expected_dtypes = {p.name: p.dtype for p in net.get_parameters()}
    missing = sorted(set(expected) - set(weights))
    unexpected = sorted(set(weights) - set(expected))
    wrong_shape = sorted(k for k in set(expected) & set(weights) if tuple(weights[k].shape) != expected[k])
    if missing or unexpected or wrong_shape:
        hint = ""
        found = model_version_of(weights)
        if model_version and found and found != model_version:
            hint = f"; it looks like a {found} checkpoint: pass --model_version {found}"
        elif wrong_shape and set(wrong_shape) <= set(CLASSIFIER_PARAMETERS.get(model_version, ())):
            classes = weights[wrong_shape[0]].shape[0]
            hint = (f"; its classifier has {classes} classes, an alphabet of {classes - 1} characters: give "
                    "the alphabet it was trained with, or fine-tune it to this one with --pre_trained")
        details = "; ".join(f"{label}: {len(keys)} (e.g. {', '.join(keys[:3])})" for label, keys in
                            (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong_shape))
                            if keys)
        raise CRNNError(f"checkpoint {path} does not fit the {model_version or 'network'} "
                        f"network: {details}{hint}")
    for name, value in weights.items():  # a float16 release file loads into a float32 network and back
        if value.dtype != expected_dtypes[name]:
            weights[name] = ms.Parameter(value.astype(expected_dtypes[name]), name=name)
    ms.load_param_into_net(net, weights, strict_load=True)
    return weights


def load_for_fine_tuning(net, path, model_version, alphabet):
    """Initialise net (which reads alphabet) from the checkpoint at path, for training.

    With the checkpoint's own alphabet this is the strict load. With another one every parameter loads
    strictly except the classifier's (CLASSIFIER_PARAMETERS), whose rows start afresh, said in one log
    line; the rows of characters both alphabets have, and the blank's, are copied, and where the
    checkpoint's alphabet folds case an upper-case letter starts from its lower-case letter's row.
    A checkpoint that stores no alphabet is taken to read the default one when its class count is the
    default's (the zoo's and the shipped model's 36 characters).
    """
    from src.model_utils.config import default_label_dict  # pylint: disable=import-outside-toplevel
    params = read_checkpoint(path)
    weights = network_weights(params)
    old = checkpoint_alphabet(params)
    classifier = CLASSIFIER_PARAMETERS[model_version]
    old_classes = weights[classifier[1]].shape[0] if classifier[1] in weights else None
    if old is None and old_classes == len(alphabet) + 1:
        old = alphabet  # written before alphabets were stored, and it fits: as it always loaded
    elif old is None and old_classes == len(default_label_dict()) + 1:
        old = default_label_dict()
    if old == alphabet or old_classes is None:
        return load_network_checkpoint(net, path, model_version, alphabet=alphabet)
    fresh = {p.name: p.asnumpy().copy() for p in net.get_parameters() if p.name in classifier}
    copied = _copy_classifier_rows(weights, fresh, old, alphabet, old_classes)
    for name, value in fresh.items():
        weights[name] = ms.Parameter(ms.Tensor(value), name=name)
    logger.info("fine-tuning %s to another alphabet (%s; the checkpoint's: %s): %s start afresh, %d of "
                "%d classes copied from it (shared characters and the blank)", path, describe(alphabet),
                describe(old) if old else f"unknown, {old_classes - 1} characters", ", ".join(classifier),
                copied, len(alphabet) + 1)
    return _load_weights(net, weights, path, model_version)


def _copy_classifier_rows(weights, fresh, old, new, old_classes):
    """Copy into fresh (the new classifier's arrays, edited in place) the checkpoint's rows of every class
    the new alphabet shares with old (None: unknown, only the blank); return how many classes were copied."""
    rows = {len(new): old_classes - 1}  # the blank is the last class in both
    if old:
        index = {char: i for i, char in enumerate(old)}
        folds = not any(char.isupper() for char in old)
        for i, char in enumerate(new):
            source = index.get(char, index.get(char.lower()) if folds else None)
            if source is not None:
                rows[i] = source
    for name, value in fresh.items():
        old_value = weights[name].asnumpy().astype(value.dtype)
        for new_row, old_row in rows.items():
            value[new_row] = old_value[old_row]
    return len(rows)


def model_version_of(weights):
    """'V1' or 'V2' by a checkpoint's parameter names (V1's LSTM weights are w1..., V2's rnn....), or ''."""
    if "w1" in weights:
        return "V1"
    if any(name.startswith("rnn.") for name in weights):
        return "V2"
    return ""


def load_eval_network(config, checkpoint_path, for_export=False):
    """The configured network with a checkpoint loaded, in inference mode (MindSpore's ops only when
    for_export).

    When model_version was not given on the command line, the checkpoint's parameter names choose it.
    """
    if not config.is_explicit("model_version"):
        found = model_version_of(network_weights(read_checkpoint(checkpoint_path)))
        if found and found != config.model_version:
            logger.info("model_version %s, from the parameter names of %s", found, checkpoint_path)
            config.model_version = found
    net = crnn(config, full_precision=full_precision(config), for_export=for_export)
    load_network_checkpoint(net, checkpoint_path, config.model_version, config.ckpt_weights, config.label_dict)
    net.set_train(False)
    return net


def shipped_model_path():
    """Where the release checkpoint that ships with the project lives."""
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models", SHIPPED_MODEL)


def checkpoint_or_shipped(path, config):
    """path, or when it is empty the shipped release model (V2), said in one log line."""
    if path:
        return path
    shipped = shipped_model_path()
    if not os.path.isfile(shipped):
        raise CRNNError(f"no checkpoint given and no shipped model at {shipped}: pass --checkpoint_path "
                        "(eval.py, predict.py) or --ckpt_file (export.py)")
    if config.is_explicit("model_version") and config.model_version != "V2":
        raise CRNNError(f"the shipped model {shipped} is V2: pass --model_version V2 or a V1 checkpoint")
    config.model_version = "V2"
    logger.warning("no checkpoint given: using the shipped model %s (V2)", os.path.relpath(shipped))
    return shipped
