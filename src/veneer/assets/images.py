"""Contentstack's Image Delivery parameters, applied with Pillow.

Sites built on Contentstack put transformations on the asset URL (`?width=400&auto=webp`), so
Veneer has to understand the same query string. Two halves:

`parse_transform` turns the query into a frozen `Transform` whose `key()` names the rendition
(parameter order does not matter, the output format chosen from `Accept` does), or None when
the original bytes should be served: no image parameter, a no-op, a source that is not a raster
image Contentstack transforms (JPEG, PNG, GIF, WebP, AVIF in; SVG, PDF and the rest are served
unchanged, as Contentstack serves them), or `auto` alone for a client that cannot take the
format. When the query has `auto`, the response varies with `Accept` (send `Vary: Accept`).
Unknown parameters are ignored (sites add cache busters); Contentstack parameters not
implemented here (`canvas`, `overlay*`, `blur`, `brightness`, `contrast`, `saturation`,
`sharpen`, `resize-filter`, `frame`) are ignored too, so the image is still served. A bad value
of a known parameter is a 400 `BadRequest` naming it.

`render` applies a Transform with Pillow (chosen over pyvips by measurement, see
benchmarks/image_libs.py). Hostile images are refused with a 422 `ValidationFailed`:
the source's pixel count is read from its header and checked before any pixel is decoded
(Pillow's DecompressionBombError is the second line), the planned output size is checked
before it is allocated, the encoded size after. Time is bounded by checking a deadline between
steps (decode, each geometry step, each animation frame, encode), and AVIF/WebP encoding is not
started when its worst-case estimate exceeds the time left. With the pixel caps no single step
is unbounded, so this keeps the library pure and in-process. A warm worker process would
add little (measured here: 75.7 vs 72.8 ms median for a 4000×3000 JPEG to 800 px WebP, 0.8 vs
0.5 ms for a tiny one) and could kill a stuck decoder, but it needs a pool whose lifecycle
belongs to the server: the HTTP layer may wrap `render` in one (it is picklable: bytes and
frozen dataclasses in and out) or simply run it in a thread, as Pillow releases the GIL.

Semantics, from Contentstack's Image Delivery documentation (which follows Fastly IO):
lengths are pixels (`300`), fractions (`0.5`) or percentages (`50p`); `width` or `height` alone
keeps the aspect ratio, both without `fit` give exactly that size; `fit=bounds` fits inside the
box, `fit=crop` and `fit=cover` fill it and cut the overflow centrally (`fit` needs both);
`dpr` multiplies width and height (and needs one of them); `disable=upscale` never enlarges.
`crop=W,H` cuts from the centre; `crop=4:3` takes the largest 4:3 region; `xN`/`yN` place the
region's top-left corner, `offset-xN`/`offset-yN` share the leftover space (N percent, 50 is
centred); `safe` pulls an out-of-bounds region back inside instead of refusing; `smart`
(content-aware) is accepted and treated as centred. `trim` and `pad` take one to four values in
CSS order (top, right, bottom, left). `bg-color` (hex rgb/rrggbb/rrggbbaa or `r,g,b[,a]` with
alpha 0-1) colours padding and replaces transparency; JPEG output is flattened onto it or white.
`orient` 1-8 (EXIF numbering; `r`, `l`, `h`, `v`, `hv` too) is applied after the image's own
EXIF orientation. Order: EXIF orientation, trim, crop, orient, resize, pad, background, encode.
Metadata (EXIF, GPS) is not copied to renditions. An animation (GIF, WebP) keeps its frames
when the output can animate (GIF, WebP) and all frames fit the pixel limits; otherwise, and for
any other output, the first frame is used.
"""

from __future__ import annotations

import io
import math
import re
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace

from PIL import Image, ImageSequence

from veneer.assets.sniff import sniff
from veneer.errors import BadRequest, ValidationFailed

# A decompression bomb just over Pillow's own limit only warns; make it an error we catch.
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)

IMAGE_PARAMS = frozenset(
    {"width", "height", "fit", "quality", "format", "auto", "crop", "trim", "pad"}
    | {"bg-color", "dpr", "disable", "orient"}
)
MAX_SIDE = 8192

_SOURCES = {  # MIME type → Pillow format, the inputs Contentstack transforms
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "image/avif": "AVIF",
}
_OUTPUTS = {  # format parameter → (MIME type, Pillow format)
    "jpg": ("image/jpeg", "JPEG"),
    "pjpg": ("image/jpeg", "JPEG"),
    "png": ("image/png", "PNG"),
    "webp": ("image/webp", "WEBP"),
    "gif": ("image/gif", "GIF"),
    "avif": ("image/avif", "AVIF"),
}
_FORMAT_OF_TYPE = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif"} | {
    "image/webp": "webp",
    "image/avif": "avif",
}
_DEFAULT_QUALITY = {"jpg": 85, "pjpg": 85, "webp": 85, "avif": 70}
_ORIENT_ALIASES = {"r": 6, "l": 8, "h": 2, "v": 4, "hv": 3, "vh": 3, "rv": 5, "vr": 5}
_ORIENT_ALIASES |= {"lv": 7, "vl": 7}
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_LENGTH = re.compile(rf"({_NUMBER})(p?)")
_HEX = re.compile(r"[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8}")
WHITE = (255, 255, 255, 255)

RGBA = tuple[int, int, int, int]
Box = tuple[int, int, int, int]  # left, top, right, bottom


# ---------------------------------------------------------------------------------------------
# The transform


@dataclass(frozen=True)
class Length:
    """Pixels, or a fraction of the image's side (`0.5`, `50p`)."""

    value: float
    relative: bool = False

    def of(self, side: int) -> int:
        return round(self.value * side) if self.relative else round(self.value)

    def __str__(self) -> str:
        return f"{self.value!r}{'r' if self.relative else ''}"


@dataclass(frozen=True)
class Crop:
    width: Length | None = None
    height: Length | None = None
    ratio: tuple[float, float] | None = None
    x: Length | None = None
    y: Length | None = None
    offset_x: float | None = None
    offset_y: float | None = None
    safe: bool = False

    def __str__(self) -> str:
        size = (
            f"{self.ratio[0]:g}:{self.ratio[1]:g}" if self.ratio else f"{self.width},{self.height}"
        )
        return f"{size},{self.x},{self.y},{self.offset_x},{self.offset_y},{int(self.safe)}"


@dataclass(frozen=True)
class Transform:
    """A parsed, normalised image transformation; `output` is the resolved format parameter."""

    output: str
    content_type: str
    width: Length | None = None
    height: Length | None = None
    fit: str | None = None
    quality: int | None = None
    crop: Crop | None = None
    trim: tuple[Length, Length, Length, Length] | None = None
    pad: tuple[Length, Length, Length, Length] | None = None
    bg_color: RGBA | None = None
    dpr: float = 1.0
    no_upscale: bool = False
    orient: int = 1

    def key(self) -> str:
        """The rendition's canonical name: equal for equal renditions, whatever the query order."""
        parts = (
            f"f={self.output}",
            f"w={self.width}",
            f"h={self.height}",
            f"fit={self.fit}",
            f"q={self.quality}",
            f"c={self.crop}",
            f"t={','.join(map(str, self.trim or ()))}",
            f"p={','.join(map(str, self.pad or ()))}",
            f"bg={','.join(map(str, self.bg_color or ()))}",
            f"dpr={self.dpr!r}",
            f"nu={int(self.no_upscale)}",
            f"o={self.orient}",
        )
        return "img1;" + ";".join(parts)


@dataclass(frozen=True)
class Limits:
    max_pixels: int = 50_000_000
    max_output_pixels: int = 25_000_000
    max_output_bytes: int = 20 * 1024 * 1024
    max_seconds: float = 10.0


@dataclass(frozen=True)
class Rendition:
    data: bytes
    content_type: str
    width: int
    height: int


# ---------------------------------------------------------------------------------------------
# Parsing


def parse_transform(
    params: Mapping[str, str], accept: str | None, source_type: str
) -> Transform | None:
    """The transformation a query string asks for, or None to serve the original bytes."""
    source_type = source_type.split(";")[0].strip().lower()
    if not IMAGE_PARAMS & params.keys() or source_type not in _SOURCES:
        return None
    transform = _parse(params, accept, source_type)
    return None if _is_identity(transform, source_type) else transform


def _parse(params: Mapping[str, str], accept: str | None, source_type: str) -> Transform:
    def get(name: str) -> str | None:
        value = params.get(name)
        return value.strip().lower() if value is not None else None

    width = _dimension("width", get("width"))
    height = _dimension("height", get("height"))
    dpr = _dpr(get("dpr"), width or height)
    output = _output_format(get("format"), get("auto"), accept, source_type)
    fit = _choice("fit", get("fit"), ("bounds", "crop", "cover"))
    quality = _quality(get("quality"))
    _choice("disable", get("disable"), ("upscale",))
    return Transform(
        output=output,
        content_type=_OUTPUTS[output][0],
        width=width,
        height=height,
        fit=fit if width and height else None,
        quality=quality if output in _DEFAULT_QUALITY else None,
        crop=_crop(get("crop")),
        trim=_edges("trim", get("trim")),
        pad=_edges("pad", get("pad")),
        bg_color=_color(get("bg-color")),
        dpr=dpr,
        no_upscale=get("disable") == "upscale",
        orient=_orient(get("orient")),
    )


def _is_identity(t: Transform, source_type: str) -> bool:
    return (
        t.output == _FORMAT_OF_TYPE.get(source_type, "")
        and not (t.width or t.height or t.crop or t.trim or t.pad or t.bg_color)
        and t.quality is None
        and t.orient == 1
    )


def _bad(param: str, message: str) -> BadRequest:
    return BadRequest(f"Invalid value for the '{param}' parameter: {message}", {param: [message]})


def _length(param: str, text: str, *, fraction: bool = True) -> Length:
    """`300` pixels, `0.5` (a fraction below 1) or `50p` (percent)."""
    match = _LENGTH.fullmatch(text.strip())
    if not match:
        raise _bad(param, f"'{text}' is not a number of pixels, a fraction or a percentage (50p).")
    number, percent = float(match[1]), bool(match[2])
    if not math.isfinite(number):
        raise _bad(param, f"'{text[:20]}…' is too large.")
    if percent:
        return Length(number / 100, relative=True)
    if fraction and 0 < number < 1:
        return Length(number, relative=True)
    if number != int(number):
        raise _bad(param, f"'{text}': pixels must be a whole number (or a fraction below 1).")
    return Length(number)


def _dimension(param: str, text: str | None) -> Length | None:
    if text is None:
        return None
    length = _length(param, text)
    if length.value <= 0 or (not length.relative and length.value > MAX_SIDE):
        raise _bad(param, f"must be between 1 and {MAX_SIDE} pixels, or a positive fraction.")
    return length


def _dpr(text: str | None, size: Length | None) -> float:
    if text is None:
        return 1.0
    try:
        dpr = float(text)
    except ValueError:
        raise _bad("dpr", f"'{text}' is not a number.") from None
    if not (0 < dpr <= 10000) or math.isnan(dpr):
        raise _bad("dpr", "must be a number above 0 and at most 10000.")
    if size is None:
        raise _bad("dpr", "dpr needs a width or a height parameter.")
    return dpr


def _choice(param: str, text: str | None, allowed: tuple[str, ...]) -> str | None:
    if text is not None and text not in allowed:
        raise _bad(param, f"'{text}' is not one of {', '.join(allowed)}.")
    return text


def _quality(text: str | None) -> int | None:
    if text is None:
        return None
    if not text.isdecimal() or not 1 <= int(text) <= 100:
        raise _bad("quality", "must be a whole number from 1 to 100.")
    return int(text)


def _accepts(accept: str | None, mime: str) -> bool:
    for item in (accept or "").split(","):
        kind, *options = (part.strip().lower() for part in item.split(";"))
        if kind == mime and not any(re.fullmatch(r"q=0(\.0*)?", o) for o in options):
            return True
    return False


def _output_format(fmt: str | None, auto: str | None, accept: str | None, source: str) -> str:
    chosen = _choice("format", fmt, tuple(_OUTPUTS)) or _FORMAT_OF_TYPE.get(source, "png")
    if auto is None:
        return chosen
    wanted = set(auto.split(","))
    if not wanted or not wanted <= {"webp", "avif"}:
        raise _bad("auto", f"'{auto}' is not webp or avif.")
    if "avif" in wanted and _accepts(accept, "image/avif"):
        return "avif"
    return "webp" if _accepts(accept, "image/webp") else chosen


def _crop(text: str | None) -> Crop | None:
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    if ":" in parts[0]:
        crop, rest = Crop(ratio=_ratio(parts[0])), parts[1:]
    elif len(parts) >= 2:
        size = (_dimension("crop", parts[0]), _dimension("crop", parts[1]))
        crop, rest = Crop(width=size[0], height=size[1]), parts[2:]
    else:
        raise _bad("crop", "give a width and a height (crop=300,400) or a ratio (crop=4:3).")
    for part in rest:
        crop = _crop_option(crop, part)
    return crop


def _ratio(text: str) -> tuple[float, float]:
    match = re.fullmatch(rf"({_NUMBER}):({_NUMBER})", text)
    if not match or not float(match[1]) > 0 < float(match[2]):
        raise _bad("crop", f"'{text}' is not an aspect ratio like 4:3.")
    return float(match[1]), float(match[2])


def _crop_option(crop: Crop, part: str) -> Crop:
    if part in ("safe", "smart"):
        return replace(crop, safe=crop.safe or part == "safe")
    if part.startswith("offset-x"):
        return replace(crop, offset_x=_percent("crop", part[8:]))
    if part.startswith("offset-y"):
        return replace(crop, offset_y=_percent("crop", part[8:]))
    if part.startswith("x"):
        return replace(crop, x=_length("crop", part[1:]))
    if part.startswith("y"):
        return replace(crop, y=_length("crop", part[1:]))
    raise _bad("crop", f"'{part}' is not xN, yN, offset-xN, offset-yN, safe or smart.")


def _percent(param: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _bad(param, f"'{text}' is not a percentage from 0 to 100.") from None
    if not 0 <= value <= 100:
        raise _bad(param, f"'{text}' is not a percentage from 0 to 100.")
    return value


def _edges(param: str, text: str | None) -> tuple[Length, Length, Length, Length] | None:
    """One to four lengths in CSS order: top, right, bottom, left."""
    if text is None:
        return None
    values = [_length(param, part) for part in text.split(",")]
    if not 1 <= len(values) <= 4:
        raise _bad(param, "give one to four values: top, right, bottom, left.")
    top, right = values[0], values[1 % len(values)]
    bottom = values[2] if len(values) > 2 else top
    left = values[3] if len(values) > 3 else right
    return top, right, bottom, left


def _color(text: str | None) -> RGBA | None:
    if text is None:
        return None
    text = text.strip().lstrip("#")
    if _HEX.fullmatch(text):
        digits = "".join(c * 2 for c in text) if len(text) == 3 else text
        rgba = [int(digits[i : i + 2], 16) for i in range(0, len(digits), 2)]
        return (rgba[0], rgba[1], rgba[2], rgba[3] if len(rgba) == 4 else 255)
    parts = text.split(",")
    try:
        rgb = [int(p) for p in parts[:3]]
        alpha = float(parts[3]) if len(parts) == 4 else 1.0
    except ValueError:
        rgb, alpha = [], -1.0
    if len(parts) not in (3, 4) or not all(0 <= c <= 255 for c in rgb) or not 0 <= alpha <= 1:
        raise _bad("bg-color", "use hex (rgb, rrggbb, rrggbbaa) or r,g,b[,a] (alpha 0 to 1).")
    return (rgb[0], rgb[1], rgb[2], round(alpha * 255))


def _orient(text: str | None) -> int:
    if text is None:
        return 1
    value = _ORIENT_ALIASES.get(text.lower()) or (int(text) if text.isdecimal() else 0)
    if not 1 <= value <= 8:
        raise _bad("orient", "must be 1 to 8 (EXIF orientation) or r, l, h, v, hv.")
    return value


# ---------------------------------------------------------------------------------------------
# Planning: every box and size computed from the header, before a pixel is decoded


@dataclass(frozen=True)
class Plan:
    trim: Box | None
    crop: Box | None
    resize: tuple[int, int] | None
    cut: Box | None  # after resize, for fit=crop/cover
    pad: Box | None  # (top, right, bottom, left) pixels
    size: tuple[int, int]


def plan(t: Transform, width: int, height: int) -> Plan:
    """Where each step cuts, for an (EXIF-oriented) source of width × height."""
    trim = _trim_box(t, width, height)
    if trim:
        width, height = trim[2] - trim[0], trim[3] - trim[1]
    crop = _crop_box(t.crop, width, height) if t.crop else None
    if crop:
        width, height = crop[2] - crop[0], crop[3] - crop[1]
    if t.orient in (5, 6, 7, 8):
        width, height = height, width
    resize, cut = _resize(t, width, height)
    if cut:
        width, height = cut[2] - cut[0], cut[3] - cut[1]
    elif resize:
        width, height = resize
    pad = None
    if t.pad:
        top, right, bottom, left = (
            length.of(side) for length, side in zip(t.pad, (height, width, height, width))
        )
        pad, width, height = (top, right, bottom, left), width + left + right, height + top + bottom
    return Plan(trim, crop, resize, cut, pad, (width, height))


def _refuse(message: str, field: str = "image") -> ValidationFailed:
    return ValidationFailed(message, {field: [message]})


def _trim_box(t: Transform, width: int, height: int) -> Box | None:
    if not t.trim:
        return None
    top, right, bottom, left = (
        edge.of(side) for edge, side in zip(t.trim, (height, width, height, width))
    )
    if left + right >= width or top + bottom >= height:
        raise _refuse("The trim removes the whole image.", "trim")
    return left, top, width - right, height - bottom


def _crop_box(crop: Crop, width: int, height: int) -> Box:
    if crop.ratio:
        scale = min(width / crop.ratio[0], height / crop.ratio[1])
        w, h = round(crop.ratio[0] * scale), round(crop.ratio[1] * scale)
    else:
        assert crop.width and crop.height
        w, h = crop.width.of(width), crop.height.of(height)
    if crop.safe:
        w, h = min(w, width), min(h, height)
    left = _place(crop.x, crop.offset_x, w, width)
    top = _place(crop.y, crop.offset_y, h, height)
    if crop.safe:
        left, top = min(max(left, 0), width - w), min(max(top, 0), height - h)
    if w < 1 or h < 1 or left < 0 or top < 0 or left + w > width or top + h > height:
        raise _refuse("The crop region is outside the image (add ',safe' to fit it).", "crop")
    return left, top, left + w, top + h


def _place(position: Length | None, offset: float | None, size: int, side: int) -> int:
    if position is not None:
        return position.of(side)
    return round((side - size) * (50.0 if offset is None else offset) / 100)


def _resize(t: Transform, width: int, height: int) -> tuple[tuple[int, int] | None, Box | None]:
    """The size to resample to and, for fit=crop/cover, the centred cut that follows."""
    want_w = t.width.of(width) * t.dpr if t.width else None
    want_h = t.height.of(height) * t.dpr if t.height else None
    if want_w is None and want_h is None:
        return None, None
    limit = 1.0 if t.no_upscale else math.inf
    if want_h is None:
        scale = min(limit, (want_w or 0) / width)
        return _size(width * scale, height * scale), None
    if want_w is None:
        scale = min(limit, want_h / height)
        return _size(width * scale, height * scale), None
    if t.fit == "bounds":
        scale = min(limit, want_w / width, want_h / height)
        return _size(width * scale, height * scale), None
    if t.fit in ("crop", "cover"):
        scale = min(limit, max(want_w / width, want_h / height))
        size = _size(width * scale, height * scale)
        cut_w, cut_h = min(size[0], max(1, round(want_w))), min(size[1], max(1, round(want_h)))
        left, top = (size[0] - cut_w) // 2, (size[1] - cut_h) // 2
        return size, (left, top, left + cut_w, top + cut_h)
    return _size(min(want_w, width * limit), min(want_h, height * limit)), None


def _size(width: float, height: float) -> tuple[int, int]:
    return max(1, round(width)), max(1, round(height))


# ---------------------------------------------------------------------------------------------
# Rendering


# Worst case measured on a 2-core machine (pure noise, 4 MP): AVIF speed 6 1.56 s, WebP
# method 4 0.45 s, JPEG 0.02 s. Photos encode faster; this only stops hopeless attempts early.
_ENCODE_SECONDS_PER_PIXEL = {"avif": 0.4e-6, "webp": 0.11e-6}


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise _refuse(f"The image took longer than {self.seconds:g} s to transform.")

    def check_encode(self, output: str, pixels: int) -> None:
        """Refuse before a slow encoder starts when it would overrun the time left: AVIF (and
        to a lesser degree WebP) is the one step that can take seconds on its own."""
        estimate = _ENCODE_SECONDS_PER_PIXEL.get(output, 0.0) * pixels
        if time.monotonic() + estimate > self.end:
            raise _refuse(
                f"Encoding this image as {output} would take longer than {self.seconds:g} s."
            )


def render(data: bytes, transform: Transform, limits: Limits) -> Rendition:
    """Apply `transform` to the image `data`; a refused image raises ValidationFailed (422)."""
    deadline = _Deadline(limits.max_seconds)
    try:
        with Image.open(io.BytesIO(data), formats=list(_SOURCES.values())) as image:
            return _render(image, transform, limits, deadline)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse("The image has too many pixels to transform.") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # Pillow's "cannot decode"
        raise _refuse(f"The image could not be decoded ({exc.__class__.__name__}).") from None


def _render(image: Image.Image, t: Transform, limits: Limits, deadline: _Deadline) -> Rendition:
    if image.width * image.height > limits.max_pixels:
        raise _refuse(
            f"The image has {image.width}×{image.height} pixels; the limit is {limits.max_pixels}."
        )
    exif = _exif_orientation(image)
    oriented = (image.height, image.width) if exif in (5, 6, 7, 8) else image.size
    steps = plan(t, *oriented)
    out_pixels = steps.size[0] * steps.size[1]
    if out_pixels > limits.max_output_pixels:
        raise _refuse(
            f"The output would have {steps.size[0]}×{steps.size[1]} pixels; "
            f"the limit is {limits.max_output_pixels}."
        )
    frames = _frames(image, t, out_pixels, limits)
    _draft(image, t, steps, exif)

    def one(frame: Image.Image) -> Image.Image:
        deadline.check()
        return _apply(frame, t, steps, exif, deadline)

    deadline.check_encode(t.output, out_pixels * frames)
    if frames > 1:
        out, durations = [], []
        for frame in ImageSequence.Iterator(image):
            durations.append(int(frame.info.get("duration", 100)))
            out.append(one(frame.copy()))
        data = _encode(out[0], t, out[1:], durations, int(image.info.get("loop", 0)))
    else:
        out = [one(image)]
        data = _encode(out[0], t)
    deadline.check()
    if len(data) > limits.max_output_bytes:
        raise _refuse(f"The transformed image is over {limits.max_output_bytes} bytes.")
    return Rendition(data, t.content_type, out[0].width, out[0].height)


def _frames(image: Image.Image, t: Transform, out_pixels: int, limits: Limits) -> int:
    """How many frames to render: all of an animation when the output can animate (GIF, WebP)
    and the whole animation fits the pixel limits, else the first frame only."""
    if t.output not in ("gif", "webp"):
        return 1
    count = int(getattr(image, "n_frames", 1))
    fits = image.width * image.height * count <= limits.max_pixels
    return count if fits and out_pixels * count <= limits.max_output_pixels else 1


def _exif_orientation(image: Image.Image) -> int:
    """The EXIF orientation tag, for formats that carry it in the header (PNG's eXIf chunk may
    follow the pixels, and Pillow would decode them to find it, so PNG is not asked)."""
    if image.format not in ("JPEG", "WEBP", "AVIF"):
        return 1
    value = image.getexif().get(0x0112, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _draft(image: Image.Image, t: Transform, steps: Plan, exif: int) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale when only a resize follows: a large photo
    shrunk for a page then never exists at full size in memory."""
    if image.format != "JPEG" or steps.resize is None or steps.trim or steps.crop:
        return
    width, height = steps.resize
    if (exif in (5, 6, 7, 8)) != (t.orient in (5, 6, 7, 8)):
        width, height = height, width
    image.draft("RGB", (width, height))


def _apply(image: Image.Image, t: Transform, steps: Plan, exif: int, dl: _Deadline) -> Image.Image:
    image = _normalise_mode(image)
    if exif in _TRANSPOSE:
        image = image.transpose(_TRANSPOSE[exif])
    if steps.trim:
        image = image.crop(steps.trim)
        dl.check()
    if steps.crop:
        image = image.crop(steps.crop)
        dl.check()
    if t.orient in _TRANSPOSE:
        image = image.transpose(_TRANSPOSE[t.orient])
    if steps.resize:
        image = image.resize(steps.resize, Image.Resampling.LANCZOS, reducing_gap=3.0)
        dl.check()
    if steps.cut:
        image = image.crop(steps.cut)
    if steps.pad:
        image = _pad(image, steps.pad, t.bg_color or WHITE)
    return _background(image, t)


def _normalise_mode(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "RGBA"):
        image.load()
        return image
    has_alpha = image.mode in ("LA", "La", "PA", "RGBa") or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def _pad(image: Image.Image, pad: Box, color: RGBA) -> Image.Image:
    top, right, bottom, left = pad
    mode = "RGBA" if image.mode == "RGBA" or color[3] < 255 else "RGB"
    canvas = Image.new(mode, (image.width + left + right, image.height + top + bottom), color)
    canvas.paste(image, (left, top), image if image.mode == "RGBA" else None)
    return canvas


def _background(image: Image.Image, t: Transform) -> Image.Image:
    """Replace transparency with bg-color; JPEG has no alpha, so it gets bg-color or white."""
    if image.mode != "RGBA" or (t.bg_color is None and t.output not in ("jpg", "pjpg")):
        return image
    color = t.bg_color or WHITE
    if t.output in ("jpg", "pjpg"):
        color = (*color[:3], 255)
    canvas = Image.new("RGBA", image.size, color)
    canvas.alpha_composite(image)
    return canvas if color[3] < 255 else canvas.convert("RGB")


def _encode(
    image: Image.Image,
    t: Transform,
    more: list[Image.Image] | None = None,
    durations: list[int] | None = None,
    loop: int = 0,
) -> bytes:
    """Encode without metadata; `more` frames make an animation (GIF or WebP output)."""
    out = io.BytesIO()
    quality = t.quality or _DEFAULT_QUALITY.get(t.output, 85)
    animation = {"save_all": True, "append_images": more, "duration": durations, "loop": loop}
    extra = animation if more else {}
    if t.output in ("jpg", "pjpg"):
        image = image.convert("RGB") if image.mode != "RGB" else image
        image.save(out, "JPEG", quality=quality, progressive=t.output == "pjpg", optimize=True)
    elif t.output == "webp":
        image.save(out, "WEBP", quality=quality, method=4, **extra)
    elif t.output == "avif":
        image.save(out, "AVIF", quality=quality, speed=6)
    elif t.output == "gif":
        image.save(out, "GIF", **({**extra, "disposal": 2} if more else {}))
    else:
        image.save(out, "PNG")
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Dimensions of an upload

_SVG_TAG = re.compile(rb"<svg\b[^>]*>", re.IGNORECASE | re.DOTALL)
_SVG_ATTR = re.compile(r"""([\w:-]+)\s*=\s*["']([^"']*)["']""")
_SVG_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*")


def dimension(data: bytes) -> tuple[int, int] | None:
    """(height, width) of an image as displayed (EXIF orientation applied), read from its header
    without decoding pixels; for SVG from plain-number width/height or the viewBox."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            exif = _exif_orientation(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None
    except (OSError, SyntaxError, ValueError, EOFError):
        return _svg_dimension(data) if sniff(data, "") == "image/svg+xml" else None
    return (width, height) if exif in (5, 6, 7, 8) else (height, width)


def _svg_dimension(data: bytes) -> tuple[int, int] | None:
    tag = _SVG_TAG.search(data[:65536])
    if tag is None:
        return None
    text = tag[0].decode("utf-8", "replace")
    attrs = {name.lower(): value for name, value in _SVG_ATTR.findall(text)}
    width, height = _svg_number(attrs.get("width")), _svg_number(attrs.get("height"))
    if width and height:
        return round(height), round(width)
    box = re.split(r"[\s,]+", attrs.get("viewbox", "").strip())
    try:
        vb_w, vb_h = float(box[2]), float(box[3])
    except (IndexError, ValueError):
        return None
    return (round(vb_h), round(vb_w)) if vb_w > 0 and vb_h > 0 else None


def _svg_number(text: str | None) -> float | None:
    match = _SVG_SIZE.fullmatch(text or "")
    return float(match[1]) if match and float(match[1]) > 0 else None
