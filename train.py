"""Train CRNN: python train.py --train_dataset synth --train_dataset_path D --device_target CPU --model_version V2"""
from src.errors import report_errors
from src.model_utils.config import load_config
from src.trainer import train


@report_errors
def main(argv=None):
    train(load_config(argv))


if __name__ == "__main__":
    main()
