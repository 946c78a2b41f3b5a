"""Convert a V2 checkpoint of MindSpore 1.x (the zoo's LSTM names) to one this version loads (ours).

    python convert_checkpoint.py --ckpt_file zoo_ms1.ckpt --file_name crnn_v2 [--model_version V2]

Writes <file_name>.ckpt with the network's weights only (optimizer state and the zoo's loss-cell
entries dropped), checked by loading it into the network.
"""
from src.ms1_checkpoint import convert_checkpoint
from src.errors import report_errors
from src.model_utils.config import load_config


@report_errors
def main():
    convert_checkpoint(load_config())


if __name__ == "__main__":
    main()
