"""One parse function per dataset kind: root folder -> list of Sample(path, text, origin)."""
from collections import namedtuple

Sample = namedtuple("Sample", "path text origin")
Sample.__doc__ = "One word image: absolute image path, ground-truth text, and 'file:line' it came from."


def get_parser(name):
    """The parse function for a dataset kind (synth, ...)."""
    from src.readers.synth import parse_synth
    parsers = {"synth": parse_synth}
    if name not in parsers:
        raise ValueError(f"unsupported dataset {name!r}: choose one of {sorted(parsers)}")
    return parsers[name]
