"""Every person in a photo (and a clip) with MediaPipe's one-person Pose: search windows, mask, repeat.

MediaPipe's legacy Pose finds at most one person per image and its detector needs a face of a
reasonable size, so a large photo with several (or small) people yields one person or none. This
:class:`~revision.perception.base.KeypointDetector` runs Pose (static mode) on a set of windows:

1. **Discovery** (the first frame after :meth:`MultiPersonPose.reset`, i.e. the photo): windows are
   the whole image, square windows of side ``scale × min(H, W)`` for each ``window_scales`` (half
   overlapping), and boxes around the connected components of MediaPipe selfie segmentation that no
   found person explains. Windows are visited from large to small; in each window Pose runs again
   with the people found so far painted out (grey), up to ``repeats`` times, so two people sharing a
   window are both found. Landmarks are mapped back to full-image pixels.
   **Small people** (:func:`small_windows`): when the people found are small in the picture (median
   box height ≤ ``small_scene_frac`` of the image height: a wide scene, not a portrait), a second pass
   tiles the image with windows of side ``small_window_factor`` × the smallest found person's height
   (≥ ``small_min_window``, half overlapping; windows that found people cover are skipped). Pose's
   detector works on a 224-px resize of its window, so a person of ~30 px in a ~100-px window is seen
   where the coarse windows (≥ 128 px, most far larger) miss it. The same checks and verification apply
   (verification windows as small as the pass's). A photo where nobody was found, or where people are
   large, never runs it (no cost, no new chance of a hallucination on a portrait or an animal).
   **Upright re-look** (:func:`relook_seeds`, :meth:`MultiPersonPose._relook`): Pose's detector reads a
   body line from the hips to the shoulders; a person whose torso is hidden (vtest's man standing behind a
   sign, seen from behind: head, shoulders and legs show) is read lying sideways, and the checks rightly
   refuse that read. In the same small-people scenes, where a refused read lay sideways (or was not found
   again in a window centred on it) with found people beside it in height (their box height = the size he
   should have), Pose's landmark model runs on its own (:class:`~revision.perception.pose_roi.PoseByRoi`,
   the detector bypassed) on 45 upright squares around it; a standing read that passes the checks, has
   that height, and is repeated by another square (same landmarks within ``verify_tolerance``) is kept.
   The landmark model paints the whole body, the hidden part too (the sign was in his mask), so the
   re-look find's mask keeps the pixels the selfie segmenter also calls a person, less those coloured like
   what it refused (the occluder) (:meth:`_seen_part`); then
   :func:`~revision.perception.occluder.split_occluded` takes out background seen through him (a lamp pole
   across his shoulders), adds his own colours the segmenter's edge missed (a dark sleeve) and finds what lies
   in front of him. The detection's ``hidden`` (his body may go on there behind the occluder: the fit's
   silhouette leaves those pixels don't-care, S3 binds only ``mask``) is the rest of the landmark model's mask
   (``relook_hidden="pose"``, with Pose's spill beside him) or that occluder alone (``"occluder"``).
   A person Pose's detector never fires on (no refused read there) stays unfound.
2. **Checks** (:func:`check_candidate`): a find is kept only when it looks like a whole person seen
   by the window rather than a guess: nose and both shoulders visible, image-space proportions of a
   human (shoulder width vs face size, torso length vs shoulder width), the shoulders not cut by an
   inner window edge, and not lying on a person found already (a smaller window inside a found
   person makes Pose hallucinate a second body in the first one's clothes).
3. **Masks**: Pose's own segmentation inside its window, restricted to the connected parts that hold
   the person's landmarks; pixels claimed by two people go to the one whose landmarks are nearer.
4. **Clips**: after discovery every person is followed by its own video-mode Pose graph on a window
   around its last box (MediaPipe's tracking carries a person through blurry frames); a person lost
   for one frame is searched again in that window in static mode.

Thread safety: one detector holds MediaPipe graphs and the clip state (people being followed);
:meth:`detect`, :meth:`detect_photo`, :meth:`discover`, :meth:`reset` and :meth:`close` hold
``self._lock`` (a re-entrant lock), so threads sharing a detector run one after the other.
:meth:`detect_photo` touches no clip state: concurrent photo calls give the serial results. A clip
(:meth:`reset` then :meth:`detect` per frame) is one caller's sequence: interleaving two clips on one
detector is wrong even with the lock — hold the lock around the whole clip (``with det.lock:``) or use
one detector per thread (parallelism).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from revision.perception.base import box_iou, mask_to_box
from revision.perception.mediapipe_backend import import_mediapipe
from revision.types import Detection

NOSE, L_EAR, R_EAR, L_EYE_OUT, R_EYE_OUT = 0, 7, 8, 3, 6
L_SH, R_SH, L_HIP, R_HIP = 11, 12, 23, 24


@dataclass
class MultiPersonConfig:
    window_scales: tuple[float, ...] = (1.0, 0.5, 0.34)  # square windows, side = scale × min(H, W)
    min_window: int = 128  # px: smaller windows are skipped
    max_windows: int = 48  # cap on discovery windows (largest first)
    repeats: int = 2  # Pose runs per window, found people painted out in between
    max_people: int = 8
    min_visibility: float = 0.5  # nose and both shoulders must reach this
    # |dy| / |dx| of the shoulder line (60°) above which a find needs a visible hip
    max_shoulder_tilt: float = 1.7
    min_detection_confidence: float = 0.5  # MediaPipe person detector threshold
    min_tracking_confidence: float = 0.5  # video mode: below this MediaPipe re-detects
    mask_threshold: float = 0.5  # segmentation probability → bool mask
    segment_components: bool = True  # add windows around unexplained selfie-segmentation components
    track_margin: float = 1.8  # clips: tracking window side = margin × the person's box long side
    video_mode: bool = True  # clips: follow people with video-mode graphs (False: discover every frame)
    rediscover_every: int = 0  # clips: full discovery every N frames (0: only on the first frame)
    verify: bool = True  # re-find each new person in a window centred on it (hallucinations move or vanish)
    verify_margins: tuple[float, ...] = (1.5, 2.0, 3.0)  # verification windows: margin × landmarks' box
    verify_tolerance: float = 0.35  # max median landmark shift between the two finds, × body_scale
    small_people: bool = True  # second pass with small windows when the people found are small (module doc)
    small_scene_frac: float = 0.25  # run it when the found people's median box height ≤ this × image height
    small_window_factor: float = 1.6  # its window side = factor × the smallest found person's box height
    small_min_window: int = 48  # px: its smallest window (and verification window)
    small_max_windows: int = 150  # at most this many windows (else larger ones, see small_windows)
    # upright re-look (module doc): where Pose's detector read a person lying sideways (or could not re-find
    # one) in a scene of small people, its landmark model runs on upright squares sized by the neighbours
    upright_relook: bool = True
    relook_sizes: tuple[float, ...] = (0.9, 1.1, 1.3)  # square side = 1.3 × size × the neighbours' height
    relook_dx: tuple[float, ...] = (-0.2, -0.1, 0.0, 0.1, 0.2)  # square centre − the seed, × size × height
    relook_dy: tuple[float, ...] = (0.15, 0.3, 0.45)
    relook_min_agree: int = 2  # plausible reads of one body (within verify_tolerance) needed to keep it
    seen_min_fraction: float = 0.3  # a re-look find keeps the part the selfie segmenter sees if ≥ this of it
    # a re-look find's hidden (module doc): "pose" = Pose's whole-body mask less his mask (with Pose's spill beside
    # him: a cone behind him); "occluder" = only what lies in front of him (revision.perception.occluder)
    relook_hidden: str = "pose"
    # a person mask that the selfie segmenter covers at least this much loses the pixels it calls background
    # (beyond 2 % of √area): Pose's mask may follow a wrong landmark into the background (cameraman: an "arm"
    # along the horizon); 0 disables
    trim_agreement: float = 0.85


@dataclass
class _Person:
    det: Detection
    window: tuple[int, int, int, int]
    graph: object | None = None
    missing: int = 0


@dataclass
class Candidate:
    keypoints2d: np.ndarray  # (33, 3) full-image px + visibility
    keypoints3d: np.ndarray | None  # (33, 3) metric
    mask: np.ndarray | None  # (H, W) bool
    window: tuple[int, int, int, int]  # x0, y0, x1, y1
    reasons: list[str] = field(default_factory=list)  # why it was rejected (empty: kept)


def _run_pose(graph, image: np.ndarray, window, full_hw, mask_threshold: float) -> Candidate | None:
    x0, y0, x1, y1 = window
    crop = np.ascontiguousarray(image[y0:y1, x0:x1])
    res = graph.process(crop)
    if res.pose_landmarks is None:
        return None
    h, w = crop.shape[:2]
    H, W = full_hw
    lm = res.pose_landmarks.landmark
    xy = np.array([[p.x * w + x0, p.y * h + y0] for p in lm], np.float32)
    vis = np.array([p.visibility for p in lm], np.float32)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < W) & (xy[:, 1] >= 0) & (xy[:, 1] < H)
    vis = np.where(inside, vis, vis * 0.1).astype(np.float32)  # off-image landmarks are guesses
    kp3d = None
    if res.pose_world_landmarks is not None:
        kp3d = np.array([[p.x, p.y, p.z] for p in res.pose_world_landmarks.landmark], np.float32)
    mask = None
    if res.segmentation_mask is not None:
        mask = np.zeros((H, W), bool)
        mask[y0:y1, x0:x1] = np.asarray(res.segmentation_mask) > mask_threshold
    return Candidate(np.concatenate([xy, vis[:, None]], 1), kp3d, mask, tuple(window))


def check_candidate(
    c: Candidate, image_hw: tuple[int, int], people: list[Detection], cfg: MultiPersonConfig
) -> list[str]:
    """Reasons to reject a Pose find (empty list: a plausible, new, whole person)."""
    H, W = image_hw
    kp = c.keypoints2d
    v = kp[:, 2]
    reasons = []
    if min(v[NOSE], v[L_SH], v[R_SH]) < cfg.min_visibility:
        reasons.append("nose or shoulders not visible")
    sh = float(np.linalg.norm(kp[L_SH, :2] - kp[R_SH, :2]))
    face = max(float(np.linalg.norm(kp[L_EAR, :2] - kp[R_EAR, :2])),
               float(np.linalg.norm(kp[L_EYE_OUT, :2] - kp[R_EYE_OUT, :2])) * 1.6)  # fmt: skip
    neck = (kp[L_SH, :2] + kp[R_SH, :2]) / 2
    head_h = float(np.linalg.norm(kp[NOSE, :2] - neck))
    size = max(sh, head_h, 1.0)
    if face > 1.2 * size:
        reasons.append(f"face {face:.0f}px wider than the body ({size:.0f}px)")
    if kp[NOSE, 1] > neck[1] + 0.5 * size and min(v[L_HIP], v[R_HIP]) > cfg.min_visibility:
        reasons.append("nose below the shoulders")
    dx, dy = np.abs(kp[L_SH, :2] - kp[R_SH, :2])  # (a profile's shoulders overlap: dy small, not tilted)
    if dy > max(cfg.max_shoulder_tilt * dx, head_h) and max(v[L_HIP], v[R_HIP]) < cfg.min_visibility:
        reasons.append("shoulders one above the other with no hip visible (a sideways head and shoulders)")
    if min(v[L_HIP], v[R_HIP]) >= cfg.min_visibility:
        torso = float(np.linalg.norm((kp[L_HIP, :2] + kp[R_HIP, :2]) / 2 - neck))
        if torso < 0.4 * sh or torso > 6.0 * max(sh, face):
            reasons.append(f"torso {torso:.0f}px vs shoulders {sh:.0f}px")
    x0, y0, x1, y1 = c.window
    pad = 0.02 * (x1 - x0)
    for j in (NOSE, L_SH, R_SH):
        x, y = kp[j, :2]
        cut = (x < x0 + pad and x0 > 0) or (y < y0 + pad and y0 > 0) or (x > x1 - pad and x1 < W) \
            or (y > y1 - pad and y1 < H)  # fmt: skip
        if cut:
            reasons.append("cut by the window edge")
            break
    for p in people:
        if _on_person(kp, p):
            reasons.append("on a person found already")
            break
        if c.mask is not None and p.mask is not None and c.mask.any():
            if (c.mask & p.mask).sum() > 0.3 * c.mask.sum():
                reasons.append("its mask lies mostly on a person found already")
                break
    return reasons


def _whole_torso_in_whole_image(c: Candidate, hw: tuple[int, int], cfg: MultiPersonConfig) -> bool:
    """Found on the whole image with shoulders and hips clearly visible: trusted without verification
    (a person seen from behind is not always re-found in a tighter window: Pose's detector wants a face)."""
    H, W = hw
    return c.window == (0, 0, W, H) and float(c.keypoints2d[[L_SH, R_SH, L_HIP, R_HIP], 2].min()) >= 0.8


def body_scale(kp: np.ndarray, min_visibility: float = 0.5) -> float:
    """A person's size in pixels that does not shrink in side views: max of the shoulder width, half the
    neck-to-hips length and a fifth of the visible landmarks' box long side."""
    ok = kp[:, 2] > min_visibility
    pts = kp[ok, :2] if ok.sum() >= 2 else kp[:, :2]
    sh = float(np.linalg.norm(kp[L_SH, :2] - kp[R_SH, :2]))
    torso = float(np.linalg.norm((kp[L_HIP, :2] + kp[R_HIP, :2]) / 2 - (kp[L_SH, :2] + kp[R_SH, :2]) / 2))
    if min(kp[L_HIP, 2], kp[R_HIP, 2]) < min_visibility:
        torso = 0.0
    return max(sh, 0.5 * torso, 0.2 * float((pts.max(0) - pts.min(0)).max()), 4.0)


def _on_person(kp: np.ndarray, p: Detection) -> bool:
    """Nose and shoulder midpoint of ``kp`` both on person ``p`` (its mask, or near its landmarks)."""
    q = p.keypoints2d
    scale = max(float(np.linalg.norm(q[L_SH, :2] - q[R_SH, :2])), 8.0)
    pts = [kp[NOSE, :2], (kp[L_SH, :2] + kp[R_SH, :2]) / 2]
    near = [min(np.linalg.norm(q[[NOSE, L_SH, R_SH], :2] - x, axis=1)) < 0.5 * scale for x in pts]
    if p.mask is not None:
        H, W = p.mask.shape
        on = []
        for x, y in pts:
            xi, yi = int(np.clip(x, 0, W - 1)), int(np.clip(y, 0, H - 1))
            on.append(bool(p.mask[yi, xi]))
        return all(on) or all(near)
    return all(near)


def _square(cx: float, cy: float, side: float, H: int, W: int) -> tuple[int, int, int, int]:
    """A window of ``side`` centred at (cx, cy), shifted inside the image (clipped when larger)."""
    sw, sh = min(int(side), W), min(int(side), H)
    x0 = int(np.clip(cx - sw / 2, 0, W - sw))
    y0 = int(np.clip(cy - sh / 2, 0, H - sh))
    return x0, y0, x0 + sw, y0 + sh


def small_scene(H: int, people: list[Detection], cfg: MultiPersonConfig) -> bool:
    """People were found and they are small in the picture (median box height ≤ ``small_scene_frac`` × H)."""
    heights = [float(p.box[3] - p.box[1]) for p in people if p.box is not None]
    return bool(heights) and float(np.median(heights)) <= cfg.small_scene_frac * H


def upright(kp: np.ndarray) -> bool:
    """The nose is above the shoulders' midpoint by more than it is beside it (a standing or sitting read)."""
    neck = (kp[L_SH, :2] + kp[R_SH, :2]) / 2
    dx, dy = kp[NOSE, :2] - neck
    return bool(-dy > abs(dx))


def relook_seeds(
    rejected: list[Candidate], people: list[Detection], cfg: MultiPersonConfig
) -> list[tuple[float, float, float]]:
    """Where the upright re-look looks (module doc) → (nose x, nose y, expected body height) per seed: each
    refused find that Pose read lying (not :func:`upright`), nose and shoulders visible, not on a person found
    already, and with found people beside it in height (boxes whose vertical span, extended up by half their
    height, holds its nose: the same distance from the camera in a street scene); the expected height is their
    median box height. Seeds closer than a third of that height to an earlier one are dropped."""
    seeds: list[tuple[float, float, float]] = []
    for r in rejected:
        kp = r.keypoints2d
        if min(kp[[NOSE, L_SH, R_SH], 2]) < cfg.min_visibility:
            continue
        if upright(kp) and not all(why.startswith(("not found again", "found again")) for why in r.reasons):
            continue
        if any("person found already" in why for why in r.reasons):
            continue
        ok = kp[:, 2] >= cfg.min_visibility
        x, y = (float(v) for v in (kp[ok, :2].min(0) + kp[ok, :2].max(0)) / 2)  # the read's visible landmarks
        beside = [float(p.box[3] - p.box[1]) for p in people if p.box is not None
                  and p.box[1] - 0.5 * (p.box[3] - p.box[1]) <= y <= p.box[3]]  # fmt: skip
        if not beside:
            continue
        h = float(np.median(beside))
        if all(np.hypot(x - sx, y - sy) >= h / 3 for sx, sy, _ in seeds):
            seeds.append((x, y, h))
    return seeds


def colour_centres(pixels: np.ndarray, k: int = 4, iters: int = 10) -> np.ndarray:
    """(N, C) colours → (≤ k, C) k-means centres, started at the lightness quantiles (deterministic)."""
    order = np.argsort(pixels[:, 0], kind="stable")
    centres = pixels[order[((np.arange(k) + 0.5) / k * len(pixels)).astype(int)]].copy()
    for _ in range(iters):
        near = np.linalg.norm(pixels[:, None] - centres[None], axis=-1).argmin(1)
        for j in range(k):
            if (near == j).any():
                centres[j] = pixels[near == j].mean(0)
    return centres


def small_windows(
    H: int, W: int, people: list[Detection], cfg: MultiPersonConfig
) -> list[tuple[int, int, int, int]]:
    """The small-people pass's windows (module doc): none unless people were found and their median box
    height is ≤ ``small_scene_frac`` × H; else half-overlapping squares of side ``small_window_factor`` × the
    smallest found box height (≥ ``small_min_window``; grown by 10 % steps while the grid would exceed
    ``small_max_windows``) over the image, minus those whose centre quarter lies on a found person's box
    (nothing new to see there)."""
    heights = [float(p.box[3] - p.box[1]) for p in people if p.box is not None]
    if not cfg.small_people or not heights or float(np.median(heights)) > cfg.small_scene_frac * H:
        return []
    side = int(round(max(cfg.small_window_factor * min(heights), cfg.small_min_window)))
    while True:  # too many windows: larger ones (the image stays covered; the smallest people may be missed)
        if side >= min(H, W):
            return []
        nx = int(np.ceil((W - side) / (side / 2))) + 1
        ny = int(np.ceil((H - side) / (side / 2))) + 1
        if nx * ny <= cfg.small_max_windows:
            break
        side = int(np.ceil(side * 1.1))
    boxes = np.array([p.box for p in people], np.float32)
    out = []
    for y in np.linspace(0, H - side, ny).round().astype(int):
        for x in np.linspace(0, W - side, nx).round().astype(int):
            q = side / 4  # the window's centre quarter
            cx0, cy0, cx1, cy1 = x + 1.5 * q, y + 1.5 * q, x + 2.5 * q, y + 2.5 * q
            inside = (boxes[:, 0] <= cx0) & (boxes[:, 1] <= cy0) & (boxes[:, 2] >= cx1) & (boxes[:, 3] >= cy1)
            if not inside.any():
                out.append((int(x), int(y), int(x) + side, int(y) + side))
    return out


def discovery_windows(H: int, W: int, cfg: MultiPersonConfig) -> list[tuple[int, int, int, int]]:
    """Whole image first, then half-overlapping squares per scale, largest first (at most ``max_windows``)."""
    out = [(0, 0, W, H)]
    m = min(H, W)
    for s in cfg.window_scales:
        side = int(round(s * m))
        if side < cfg.min_window:
            continue
        nx = max(1, int(np.ceil((W - side) / (side / 2))) + 1)
        ny = max(1, int(np.ceil((H - side) / (side / 2))) + 1)
        xs = np.linspace(0, W - side, nx).round().astype(int) if nx > 1 else [0]
        ys = np.linspace(0, H - side, ny).round().astype(int) if ny > 1 else [0]
        for y in ys:
            for x in xs:
                w = (int(x), int(y), int(x) + side, int(y) + side)
                if w not in out:
                    out.append(w)
    return out[: cfg.max_windows]


class MultiPersonPose:
    """:class:`~revision.perception.base.KeypointDetector`: every person, MediaPipe Pose per window."""

    name = "mediapipe-pose"  # the model that runs; ``multi_person`` says how it is run
    multi_person = True

    def __init__(self, config: MultiPersonConfig | None = None) -> None:
        self.config = config or MultiPersonConfig()
        if self.config.relook_hidden not in ("pose", "occluder"):
            raise ValueError(f"relook_hidden: 'pose' or 'occluder', got {self.config.relook_hidden!r}")
        self._mp = import_mediapipe()
        self._lock = threading.RLock()  # graphs and clip state: one caller at a time (re-entrant)
        self._static = None
        self._seg = None
        self._people: list[_Person] = []
        self._frame_index = 0
        self.last_rejected: list[Candidate] = []  # the finds the checks refused in the last discovery
        self.last_small_windows = 0  # windows of the small-people pass in the last discovery (0: not run)
        self.last_relooks = 0  # seeds of the upright re-look in the last discovery (0: not run)
        self._roi = None  # PoseByRoi (the landmark model on a given square), made on first use

    @property
    def lock(self) -> threading.RLock:
        """The detector's lock, for callers that run a whole clip (reset + detect per frame) as one unit."""
        return self._lock

    # -- graphs -------------------------------------------------------------------------------------
    def _pose_graph(self, static: bool):
        c = self.config
        return self._mp.solutions.pose.Pose(
            static_image_mode=static, model_complexity=1, smooth_landmarks=not static,
            enable_segmentation=True, smooth_segmentation=not static,
            min_detection_confidence=c.min_detection_confidence, min_tracking_confidence=c.min_tracking_confidence,
        )  # fmt: skip

    def _static_graph(self):
        if self._static is None:
            self._static = self._pose_graph(static=True)
        return self._static

    def reset(self) -> None:
        """Start a new clip (or photo): forget the people and close their tracking graphs."""
        with self._lock:
            for p in self._people:
                if p.graph is not None:
                    p.graph.close()
            self._people = []
            self._frame_index = 0

    def close(self) -> None:
        self.reset()
        with self._lock:
            for g in (self._static, self._seg, self._roi):
                if g is not None:
                    g.close()
            self._static = self._seg = self._roi = None

    # -- public ---------------------------------------------------------------------------------------
    def detect(self, frame: np.ndarray) -> list[Detection]:
        """(H, W, 3) uint8 RGB → every person: keypoints2d (33, 3) px + visibility, keypoints3d (33, 3) m, mask."""
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f"expected an (H, W, 3) uint8 RGB frame, got {frame.shape} {frame.dtype}")
        with self._lock:
            c = self.config
            first = self._frame_index == 0
            redo = c.rediscover_every > 0 and self._frame_index % c.rediscover_every == 0
            self._frame_index += 1
            if first or not c.video_mode:
                dets = self.discover(frame)
                self._start_tracks(dets, frame.shape[:2])
                if c.video_mode:  # frame 0 through the tracking graphs too: no jump between frames 0 and 1
                    tracked = self._track(frame, keep_missing=True)
                    dets = _finish_masks([t if t is not None else d for t, d in zip(tracked, dets)])
                return self._trim_masks(frame, dets)
            dets = [d for d in self._track(frame) if d is not None]
            if redo and len(dets) < c.max_people:
                new = self.discover(frame, known=dets)
                self._start_tracks(new, frame.shape[:2], keep=True)
                dets = dets + new
            return self._trim_masks(frame, _finish_masks(dets))

    def detect_photo(self, image: np.ndarray) -> list[Detection]:
        """Every person of one image (discovery only): leaves the clip state of :meth:`detect` alone, so
        threads sharing this detector may call it at once (they run one after the other)."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {image.shape} {image.dtype}")
        with self._lock:
            return self._trim_masks(image, self.discover(image))

    def discover(self, frame: np.ndarray, known: list[Detection] | None = None) -> list[Detection]:
        """Static-mode search of one image (see the module doc); ``known``: people already found."""
        with self._lock:
            return self._discover(frame, known)

    def _discover(self, frame: np.ndarray, known: list[Detection] | None) -> list[Detection]:
        c = self.config
        H, W = frame.shape[:2]
        graph = self._static_graph()
        people: list[Detection] = list(known or [])
        n_known = len(people)
        rejected: list[Candidate] = []
        self.last_small_windows = 0
        windows = discovery_windows(H, W, c)
        seen: set[tuple[int, int, int, int]] = set()
        i, small_pass = 0, False
        while len(people) < c.max_people:
            if i == len(windows):  # coarse windows done: the small-people pass (module doc), once
                if small_pass or not (windows := small_windows(H, W, people, c)):
                    break
                small_pass, i = True, 0
                self.last_small_windows = len(windows)
            win = windows[i]
            i += 1
            if win in seen:
                continue
            seen.add(win)
            for _ in range(max(1, c.repeats)):
                img = _paint_out(frame, people, win)
                cand = _run_pose(graph, img, win, (H, W), c.mask_threshold)
                if cand is None:
                    break
                cand.reasons = check_candidate(cand, (H, W), people, c)
                if not cand.reasons and c.verify and not _whole_torso_in_whole_image(cand, (H, W), c):
                    cand.reasons = self._verify(
                        frame, cand, people, c.small_min_window if small_pass else c.min_window
                    )
                if cand.reasons:
                    rejected.append(cand)
                    break
                people.append(_to_detection(cand))
            if i == 1 and not small_pass and c.segment_components:
                # after the whole image: windows around unexplained people-like blobs
                windows[1:1] = [w for w in self._component_windows(frame, people) if w not in seen]
        self.last_relooks = 0
        if c.upright_relook and small_scene(H, people, c):  # the upright re-look (module doc)
            for seed in relook_seeds(rejected, people, c):
                if len(people) >= c.max_people:
                    break
                self.last_relooks += 1
                cand = self._relook(frame, seed, people)
                if cand is None:
                    continue
                whole, hidden = cand.mask, None
                if whole is not None:
                    cand.mask = self._seen_part(frame, whole)
                    if cand.mask is not whole and cand.mask.sum() >= 16:  # split: what hides him, what is him
                        from revision.perception.occluder import split_occluded

                        mask, hidden = split_occluded(frame, whole, cand.mask, cand.keypoints2d)
                        cand.mask = mask if mask.sum() >= 16 else cand.mask
                d = _to_detection(cand)
                if hidden is not None and d.mask is not None:  # his parts the occluder cut off the rest
                    from revision.perception.occluder import rejoin

                    d.mask = rejoin(cand.mask, d.mask, hidden)
                    d.box = mask_to_box(d.mask)
                if whole is not None and d.mask is not None:
                    front = None if hidden is None else hidden & ~d.mask  # what is in front of him (S3)
                    if hidden is None or c.relook_hidden == "pose":
                        hidden = whole
                    # his body may go on behind what hides it (fit: don't-care; S3 keeps it in the photo)
                    hidden = hidden & ~d.mask
                    d.hidden = hidden if hidden.any() else None
                    d.occluder = front if front is not None and front.any() and d.hidden is not None else None
                people.append(d)
        self.last_rejected = rejected
        return _finish_masks(people)[n_known:] if n_known else _finish_masks(people)

    # -- internals ------------------------------------------------------------------------------------
    def _foreground(self, frame: np.ndarray) -> np.ndarray:
        """MediaPipe selfie segmentation of the whole frame (probability > 0.5) → (H, W) bool."""
        if self._seg is None:
            self._seg = self._mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)
        return np.asarray(self._seg.process(np.ascontiguousarray(frame)).segmentation_mask) > 0.5

    def _trim_masks(self, frame: np.ndarray, dets: list[Detection]) -> list[Detection]:
        """Drop the pixels of a person's mask that the selfie segmenter calls background, where it sees that
        person (covers ≥ ``trim_agreement`` of the mask; small far people it does not see keep Pose's mask)."""
        import cv2

        if self.config.trim_agreement <= 0 or not any(d.mask is not None and d.mask.any() for d in dets):
            return dets
        fg = self._foreground(frame)
        for d in dets:
            if d.mask is None or not d.mask.any():
                continue
            area = int(d.mask.sum())
            if (d.mask & fg).sum() < self.config.trim_agreement * area:
                continue
            r = max(1, int(0.02 * np.sqrt(area)))
            near = cv2.dilate(
                fg.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2)
            )
            m = _person_part(d.mask & (near > 0), d.keypoints2d)
            if m.any():
                d.mask, d.box = m, mask_to_box(m)
        return dets

    def _verify(
        self, frame: np.ndarray, cand: Candidate, people: list[Detection], min_side: int | None = None
    ) -> list[str]:
        """Reasons the find is not re-found in a window centred on it (a real person is stable there,
        a hallucination moves or vanishes). Windows of ``verify_margins`` × the landmarks' box (side ≥
        ``min_side``, default ``min_window``) are tried."""
        c = self.config
        H, W = frame.shape[:2]
        kp = cand.keypoints2d
        ok = kp[:, 2] > c.min_visibility
        lo, hi = kp[ok, :2].min(0), kp[ok, :2].max(0)
        scale = body_scale(kp, c.min_visibility)
        why = "not found again in a window centred on it"
        tried = 0
        for m in c.verify_margins:
            win = _square(*(lo + hi) / 2, max(m * float((hi - lo).max()), min_side or c.min_window), H, W)
            if win == cand.window:
                continue
            tried += 1
            again = _run_pose(
                self._static_graph(), _paint_out(frame, people, win), win, (H, W), c.mask_threshold
            )
            if again is None:
                continue
            both = ok & (again.keypoints2d[:, 2] > c.min_visibility)
            if both.sum() < 3:
                continue
            shift = (
                float(np.median(np.linalg.norm(kp[both, :2] - again.keypoints2d[both, :2], axis=1))) / scale
            )
            if shift <= c.verify_tolerance:
                return []
            why = f"found again {shift:.2f} body scales away"
        return [why] if tried else []  # the person fills the image: no other view to compare with

    def _relook(
        self, frame: np.ndarray, seed: tuple[float, float, float], people: list[Detection]
    ) -> Candidate | None:
        """Pose's landmark model (:class:`~revision.perception.pose_roi.PoseByRoi`) on upright squares around
        ``seed`` = (x, y, expected body height h px) from :func:`relook_seeds`: side 1.3 × f × h for f in
        ``relook_sizes``, centre (x, y) + (``relook_dx``, ``relook_dy``) × f × h. A read counts when it passes
        :func:`check_candidate` and its 33 landmarks span 0.6–1.5 h vertically; the read most others agree
        with (median shift of nose, shoulders and hips ≤ ``verify_tolerance`` × its body scale) is kept when
        at least ``relook_min_agree`` reads agree (itself included), else None."""
        c = self.config
        H, W = frame.shape[:2]
        if self._roi is None:
            from revision.perception.pose_roi import PoseByRoi

            self._roi = PoseByRoi()
        x, y, h = seed
        reads: list[Candidate] = []
        for f in c.relook_sizes:
            side = 1.3 * f * h
            for dy in c.relook_dy:
                for dx in c.relook_dx:
                    cx, cy = x + dx * f * h, y + dy * f * h
                    out = self._roi.process(frame, (cx, cy), side)
                    if out is None:
                        continue
                    kp, kp3d, seg = out
                    span = float(kp[:, 1].max() - kp[:, 1].min())
                    if not 0.6 * h <= span <= 1.5 * h:
                        continue
                    x0, y0 = int(max(cx - side / 2, 0)), int(max(cy - side / 2, 0))
                    x1, y1 = int(min(cx + side / 2, W)), int(min(cy + side / 2, H))
                    mask = None if seg is None else seg > c.mask_threshold
                    cand = Candidate(kp, kp3d, mask, (x0, y0, x1, y1))
                    if not check_candidate(cand, (H, W), people, c):
                        reads.append(cand)
        if len(reads) < c.relook_min_agree:
            return None
        joints = [NOSE, L_SH, R_SH, L_HIP, R_HIP]
        pts = np.stack([r.keypoints2d[joints, :2] for r in reads])  # (n, 5, 2)
        shift = np.median(np.linalg.norm(pts[:, None] - pts[None], axis=-1), axis=-1)  # (n, n)
        scale = np.array([body_scale(r.keypoints2d, c.min_visibility) for r in reads])
        agree = (shift <= c.verify_tolerance * scale[:, None]).sum(1)
        best = int(np.argmax(agree))
        return reads[best] if agree[best] >= c.relook_min_agree else None

    def _seen_part(self, frame: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """A re-look find's mask without what hides him. Pose's landmark model paints the whole body, hidden
        parts included (a sign before his torso is in its mask), so

        1. the pixels the selfie segmenter calls background (beyond 2 % of √area, as :meth:`_trim_masks`) go,
           unless that leaves under ``seen_min_fraction`` of the mask (the segmenter does not see him: the
           mask is kept as it is);
        2. the segmenter's edge is coarse (on vtest it spills over a corner of the sign), so of what is left,
           the pixels whose colour (Lab) is nearer the refused pixels' colours (mostly the occluder) than the
           colours of the kept pixels away from them (over 10 % of √area from any refused pixel: his head and
           feet, not the spill) go too (:func:`colour_centres`, 4 each); a closing (disc of 10 % of √area)
           inside the step-1 mask fills the speckle this leaves on his own clothes.
        """
        import cv2

        area = int(mask.sum())
        r = max(1, int(0.02 * np.sqrt(area)))
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2)
        seen = mask & (cv2.dilate(self._foreground(frame).astype(np.uint8), disc) > 0)
        if seen.sum() < self.config.seen_min_fraction * area:
            return mask
        hidden = mask & ~seen
        if hidden.sum() < 16:
            return seen
        lab = cv2.cvtColor(frame, cv2.COLOR_RGB2LAB).astype(np.float32)
        k = max(3, int(0.1 * np.sqrt(area)) | 1)
        away = cv2.distanceTransform((~hidden).astype(np.uint8), cv2.DIST_L2, 3) > 0.1 * np.sqrt(area)
        core = seen & away if (seen & away).sum() >= 16 else seen
        own, other = colour_centres(lab[core]), colour_centres(lab[hidden])
        pix = lab[seen]
        d_own = np.linalg.norm(pix[:, None] - own[None], axis=-1).min(1)
        d_other = np.linalg.norm(pix[:, None] - other[None], axis=-1).min(1)
        keep = np.zeros_like(seen)
        keep[seen] = d_own <= d_other
        closed = cv2.morphologyEx(
            keep.astype(np.uint8), cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
        )
        return seen & (closed > 0)

    def _component_windows(
        self, frame: np.ndarray, people: list[Detection]
    ) -> list[tuple[int, int, int, int]]:
        import cv2

        H, W = frame.shape[:2]
        fg = self._foreground(frame)
        for p in people:
            if p.mask is not None:
                fg &= ~p.mask
        n, _, stats, _ = cv2.connectedComponentsWithStats(fg.astype(np.uint8), connectivity=8)
        out = []
        for x, y, w, h, area in sorted(stats[1:].tolist(), key=lambda s: -s[4]):
            if area < 0.005 * H * W or min(w, h) < 8:
                continue
            side = max(1.3 * max(w, h), self.config.min_window)
            out.append(_square(x + w / 2, y + h / 2, side, H, W))
        return out[:4]

    def _start_tracks(self, dets: list[Detection], hw: tuple[int, int], keep: bool = False) -> None:
        if not keep:
            for p in self._people:
                if p.graph is not None:
                    p.graph.close()
            self._people = []
        for d in dets:
            self._people.append(_Person(d, self._track_window(d, hw)))

    def _track_window(self, d: Detection, hw: tuple[int, int]) -> tuple[int, int, int, int]:
        H, W = hw
        x0, y0, x1, y1 = (float(v) for v in d.box)
        side = max(self.config.track_margin * max(x1 - x0, y1 - y0), self.config.min_window)
        return _square((x0 + x1) / 2, (y0 + y1) / 2, side, H, W)

    def _track(self, frame: np.ndarray, keep_missing: bool = False) -> list[Detection | None]:
        """One frame through every followed person's graph → detections in ``self._people`` order
        (None where the person was not found)."""
        c = self.config
        H, W = frame.shape[:2]
        out: list[Detection] = []
        res: list[Detection | None] = []
        for p in self._people:
            if p.graph is None:
                p.graph = self._pose_graph(static=False)
            cand = _run_pose(p.graph, frame, p.window, (H, W), c.mask_threshold)
            # lost: static searches in its window, then in the whole frame (others painted out)
            if cand is None:
                others = out + [q.det for q in self._people if q is not p and q.missing == 0]
                for win in (p.window, (0, 0, W, H)):
                    cand = _run_pose(self._static_graph(), _paint_out(frame, others, win), win, (H, W),
                                     c.mask_threshold)  # fmt: skip
                    if (
                        cand is not None
                        and not check_candidate(cand, (H, W), others, c)
                        and float(box_iou(_kp_box(cand.keypoints2d), _kp_box(p.det.keypoints2d))[0, 0]) > 0.3
                    ):
                        break
                    cand = None
            if cand is None or any(_on_person(cand.keypoints2d, q) for q in out):
                p.missing += 0 if keep_missing else 1
                res.append(None)
                continue
            d = _to_detection(cand)
            p.det, p.missing = d, 0
            out.append(d)
            res.append(d)
            new_win = self._track_window(d, (H, W))
            if _moved_out(d.box, p.window, W, H):  # re-centre; the graph restarts in the new window
                p.window = new_win
                p.graph.close()
                p.graph = None
        return res


def _kp_box(kp: np.ndarray) -> np.ndarray:
    ok = kp[:, 2] > 0.5
    pts = kp[ok, :2] if ok.sum() >= 2 else kp[:, :2]
    return np.array([*pts.min(0), *pts.max(0)], np.float32)


def _moved_out(box: np.ndarray, win: tuple[int, int, int, int], W: int, H: int) -> bool:
    x0, y0, x1, y1 = win
    m = 0.05 * (x1 - x0)
    return bool((box[0] < x0 + m and x0 > 0) or (box[1] < y0 + m and y0 > 0) or (box[2] > x1 - m and x1 < W)
                or (box[3] > y1 - m and y1 < H))  # fmt: skip


def _paint_out(frame: np.ndarray, people: list[Detection], win) -> np.ndarray:
    """The frame with the people's masks (dilated) and landmark boxes painted flat grey, within ``win``."""
    if not people:
        return frame
    import cv2

    x0, y0, x1, y1 = win
    out = frame.copy()
    sub = out[y0:y1, x0:x1]
    for p in people:
        m = np.zeros(sub.shape[:2], np.uint8)
        if p.mask is not None:
            m |= p.mask[y0:y1, x0:x1].astype(np.uint8)
        kp = p.keypoints2d
        ok = kp[:, 2] > 0.5
        if ok.sum() >= 3:
            hull = cv2.convexHull((kp[ok, :2] - [x0, y0]).astype(np.int32))
            cv2.fillConvexPoly(m, hull, 1)
        sh = float(np.linalg.norm(kp[L_SH, :2] - kp[R_SH, :2]))
        k = max(3, int(0.15 * sh) | 1)
        m = cv2.dilate(m, np.ones((k, k), np.uint8))
        sub[m > 0] = 128
    return out


def _to_detection(c: Candidate) -> Detection:
    kp = c.keypoints2d
    H, W = c.mask.shape if c.mask is not None else (None, None)
    mask = _person_part(c.mask, kp) if c.mask is not None else None
    if mask is not None and mask.any():
        box = mask_to_box(mask)
    else:
        ok = kp[:, 2] > 0.5
        pts = kp[ok, :2] if ok.any() else kp[:, :2]
        box = np.array([*pts.min(0), *pts.max(0)], np.float32)
        if W is not None:
            box[[0, 2]] = np.clip(box[[0, 2]], 0, W)
            box[[1, 3]] = np.clip(box[[1, 3]], 0, H)
    score = float(np.mean(kp[[L_SH, R_SH, L_HIP, R_HIP], 2]))  # torso visibility (as MediaPipePose)
    return Detection(
        "person", box, score, mask=mask, keypoints2d=kp, keypoints3d=c.keypoints3d, label="person"
    )


def _person_part(mask: np.ndarray, kp: np.ndarray) -> np.ndarray:
    """The connected parts of ``mask`` that hold a visible landmark (drops blobs Pose segmented nearby)."""
    import cv2

    n, lab = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    if n <= 2:
        return mask
    H, W = mask.shape
    ok = kp[:, 2] > 0.5
    xs = np.clip(kp[ok, 0].astype(int), 0, W - 1)
    ys = np.clip(kp[ok, 1].astype(int), 0, H - 1)
    keep = set(int(v) for v in lab[ys, xs]) - {0}
    if not keep:
        return mask
    return np.isin(lab, list(keep))


def _finish_masks(dets: list[Detection]) -> list[Detection]:
    """Pixels claimed by two people go to the one whose visible landmarks are nearer; boxes follow."""
    with_mask = [d for d in dets if d.mask is not None]
    if len(with_mask) < 2:
        return dets
    stack = np.stack([d.mask for d in with_mask])
    both = stack.sum(0) > 1
    if not both.any():
        return dets
    ys, xs = np.nonzero(both)
    pix = np.stack([xs, ys], 1).astype(np.float32)
    dist = []
    for d in with_mask:
        ok = d.keypoints2d[:, 2] > 0.5
        pts = d.keypoints2d[ok if ok.any() else slice(None), :2]
        dist.append(np.min(np.linalg.norm(pix[:, None] - pts[None], axis=-1), axis=1))
    owner = np.argmin(np.stack(dist), 0)
    for i, d in enumerate(with_mask):
        claimed = stack[i][ys, xs]
        d.mask[ys[claimed & (owner != i)], xs[claimed & (owner != i)]] = False
        if d.mask.any():
            d.box = mask_to_box(d.mask)
    return dets
