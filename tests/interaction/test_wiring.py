"""The object marks and what was found, through S2's photo path, the pipeline's ``objects=`` and the CLI."""

import numpy as np
import pytest

from revision.cli import _object_marks, build_parser
from revision.perception.depth import GeometricDepth
from revision.perception.factory import Backends
from revision.perception.photo_objects import ObjectHint
from revision.pipeline import InputError, parse_object_hints
from revision.s2 import FullMotionStage
from tests.interaction.test_photo_objects import _pitch


def test_parse_object_hints():
    hints = parse_object_hints(
        [(1, 2, 30, 40), {"stroke": [[1, 2], [3, 4]], "label": "cup"}, np.ones((3, 2))]
    )
    assert [h.box is not None for h in hints] == [True, False, False]
    assert hints[1].label == "cup" and hints[2].stroke.shape == (3, 2)
    assert parse_object_hints(None) == []
    assert isinstance(parse_object_hints([ObjectHint(box=(0, 0, 1, 1))])[0], ObjectHint)
    with pytest.raises(InputError):
        parse_object_hints([(5, 5, 1, 1)])
    with pytest.raises(InputError):
        parse_object_hints(["ball"])


def test_cli_object_flags():
    args = build_parser().parse_args(["generate", "--image", "a.png", "--out", "o.mp4", "--object-box", "1,2,30,40",
                                      "--object-stroke", "5,6 7,8"])  # fmt: skip
    assert _object_marks(args) == [[1.0, 2.0, 30.0, 40.0], {"stroke": [(5.0, 6.0), (7.0, 8.0)]}]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["generate", "--image", "a.png", "--out", "o.mp4", "--object-box", "1,2,3"])


def test_photo_path_finds_and_lifts_the_named_object():
    """No person detector: the prompt's ball is found, lifted as a labelled 21-point track and recorded."""
    img, bm, _ = _pitch(person=(0, 0, 1, 1))
    stage = FullMotionStage(detectors=Backends(None, GeometricDepth(), []))
    res = stage.photo_motion(img, prompt="the ball rolls to the right", motion_strength=0.5, sketch=None,
                             num_frames=6, fps=8.0)  # fmt: skip
    assert res.objects and res.objects[0].label == "ball"
    obj = [t for t in res.refined_motion.tracks if t.kind == "object"]
    assert len(obj) == 1 and obj[0].label == "ball" and obj[0].params["points"].shape == (6, 21, 3)
    assert (
        res.settings["objects"]["nouns"] == ["ball"]
        and res.settings["objects"]["found"][0]["label"] == "ball"
    )
    assert res.person_masks[obj[0].track_id][bm].mean() > 0.7
    marked = stage.photo_motion(img, prompt="it rolls", motion_strength=0.5, sketch=None, num_frames=6, fps=8.0,
                                objects=[ObjectHint(box=(180, 170, 220, 210))])  # fmt: skip
    assert marked.objects[0].how == "user box" and marked.settings["objects"]["hints"][0]["box"] == [
        180,
        170,
        220,
        210,
    ]
