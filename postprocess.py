"""Accuracy of Ascend 310 results: python postprocess.py --ann_file A --result_path result_Files --dataset svt"""
from src.errors import report_errors
from src.model_utils.config import load_config
from src.postprocessor import postprocess


@report_errors
def main(argv=None):
    postprocess(load_config(argv))


if __name__ == "__main__":
    main()
