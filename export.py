"""Export CRNN: python export.py --ckpt_file C --file_name crnn --file_format MINDIR|ONNX --device_target CPU --model_version V2"""
from src.errors import report_errors
from src.exporter import export_model
from src.model_utils.config import load_config


@report_errors
def main(argv=None):
    export_model(load_config(argv))


if __name__ == "__main__":
    main()
