"""Read text in images: python predict.py --checkpoint_path C.ckpt [--lexicon L] IMAGE_OR_FOLDER_OR_GLOB ...

Also --file_name M.onnx or M.mindir instead of a checkpoint; --output_format jsonl; --batch_size B.
Prints 'path<TAB>text<TAB>confidence' per image (JSON lines with --output_format jsonl).
"""
from src.errors import report_errors
from src.model_utils.config import load_config
from src.predictor import predict


@report_errors
def main(argv=None):
    predict(load_config(argv, positional=("inputs", "image files, folders (searched recursively) or glob patterns")))


if __name__ == "__main__":
    main()
