"""The generator's knobs: each one a probability or a range, each one a `synth_<name>` config key."""
from dataclasses import dataclass, fields

from src.errors import CRNNError

DEFAULT_BACKGROUND_DIRS = "/usr/share/backgrounds"
_RANGE_SUFFIXES = ("_max", "_min")  # float knobs that are not probabilities


@dataclass(frozen=True)
class RenderOptions:
    """How words are drawn. Probabilities are per sample and independent unless a comment says otherwise.

    Setting a probability to 0 switches that variation off, so every ablation is a command-line change.
    The knobs whose default is 0 draw nothing from the rng while off, so a seed renders the same bytes
    with them off as a renderer that lacks them.
    """
    # Text
    scene_lengths: float = 0.5          # text length drawn from scene text's (words.py), else uniform word
    random_string: float = 0.2          # random string (3-10 characters, or of a scene length) instead of a word
    digits_only: float = 0.4            # of those random strings, digits only
    max_word_length: int = 18           # longest dictionary word drawn
    upper_case: float = 0.3             # case: UPPER, Capitalised, as in the word list; the rest lower
    capitalised: float = 0.25
    list_case: float = 0.05
    other_words: float = 0.0            # a dictionary word from frequent words of other_languages instead (wordfreq:
    other_languages: str = "de,fr,es,it,nl,pt,en"  # German compounds, names, places, brands the word list lacks)
    word_number: float = 0.0            # a dictionary word joined with a number of 1-4 digits ("24hours", "room101")
    # Font and glyphs
    decorative_fonts: float = 0.05      # face from a script/blackletter/ornamental package (fonts.py's list)
    font_size_min: int = 22
    font_size_max: int = 56
    spacing: float = 0.3                # letter spacing of -1..+3 px
    wide_spacing: float = 0.0           # instead, letters set wide apart: 15-60% of the font size (signs, shop fronts)
    curve: float = 0.1                  # baseline bent along a sine arc
    bold: float = 0.15                  # strokes thickened with a max filter
    shadow_outline: float = 0.2         # a drop shadow or an outline in another colour (half each)
    relief: float = 0.0                 # instead, raised letters the colour of their background, seen by their shading
    neighbours: float = 0.1             # letters of neighbouring words cut by the crop edge
    underline: float = 0.05
    border: float = 0.05                # a line along one or two crop edges (a sign's frame)
    # Colour and background; background kinds share one draw: flat, gradient, noise, blotches
    desaturate: float = 0.5             # colours pulled towards grey
    bg_gradient: float = 0.25
    bg_noise: float = 0.2
    bg_blotches: float = 0.1
    photo: float = 0.5                  # a crop of a natural photograph blended under the text
    photo_text_colour: float = 0.15     # with a photo: text colour taken from the photo (low contrast)
    real_colours: float = 0.0           # instead, text and background colours of a real training crop (real_colours.py)
    contrast_min: float = 60.0          # luminance gap between text and background mean, drawn in min..max
    contrast_max: float = 130.0
    photo_contrast_min: float = 40.0    # the gap of text coloured from the photo
    photo_contrast_max: float = 80.0
    background_dirs: str = DEFAULT_BACKGROUND_DIRS  # colon-separated folders of photographs
    # Geometry
    rotation_max: float = 4.0           # degrees, every sample
    tilt: float = 0.0                   # instead, a wide rotation of up to tilt_max degrees (as long as the word fits)
    tilt_max: float = 15.0
    shear: float = 0.5                  # horizontal shear of +-0.3
    perspective: float = 0.3
    margin_x_max: float = 0.35          # crop margin, fraction of the text height, each side
    margin_y_max: float = 0.25
    tight_crop: float = 0.0             # top and bottom edges cut into the glyphs (up to 15% of the text height)
    # Degradations at the output size
    blur: float = 0.35                  # Gaussian, sigma 0.4-1.6
    motion_blur: float = 0.1
    downscale: float = 0.25             # down to 0.3-0.7 of the size and back up
    jpeg: float = 0.3                   # JPEG quality 15-70
    noise: float = 0.2                  # Gaussian pixel noise
    lighting: float = 0.2               # uneven lighting: a brightness ramp across the word
    invert: float = 0.05                # inverted polarity

    def __post_init__(self):
        for field in fields(self):
            value = getattr(self, field.name)
            if field.type is float and not field.name.endswith(_RANGE_SUFFIXES) and not 0.0 <= value <= 1.0:
                raise CRNNError(f"synth_{field.name} is a probability, got {value}")
        if self.bg_gradient + self.bg_noise + self.bg_blotches > 1.0:
            raise CRNNError("synth_bg_gradient + synth_bg_noise + synth_bg_blotches must not exceed 1 "
                            "(the rest of the samples get a flat background)")
        if self.upper_case + self.capitalised + self.list_case > 1.0:
            raise CRNNError("synth_upper_case + synth_capitalised + synth_list_case must not exceed 1")
        if not 8 <= self.font_size_min <= self.font_size_max:
            raise CRNNError(f"synth_font_size_min..max must satisfy 8 <= min <= max, got "
                            f"{self.font_size_min}..{self.font_size_max}")
        for low, high in (("contrast_min", "contrast_max"), ("photo_contrast_min", "photo_contrast_max")):
            if not 0 <= getattr(self, low) <= getattr(self, high) <= 255:
                raise CRNNError(f"synth_{low}..synth_{high} must satisfy 0 <= min <= max <= 255")
        if self.max_word_length < 1:
            raise CRNNError(f"synth_max_word_length must be positive, got {self.max_word_length}")

    @classmethod
    def config_keys(cls):
        """{'synth_<name>': default} for every knob: the keys default_config.yaml must declare."""
        return {f"synth_{f.name}": f.default for f in fields(cls)}

    @classmethod
    def from_config(cls, config):
        """Options from a Config's synth_* keys (a key the config lacks keeps its default)."""
        values = config.to_dict() if hasattr(config, "to_dict") else dict(config)
        return cls(**{f.name: values[f"synth_{f.name}"] for f in fields(cls) if f"synth_{f.name}" in values})
