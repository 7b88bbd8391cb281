"""One pipeline object serving concurrent calls (issue 18 §2): threads give the same bytes as one after another."""

import threading

import numpy as np
import torch

from revision.video_model.tiny import TINY, small_motion_svd_pipeline

STEPS = 3


def _image(seed):
    return torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(seed))


CALLS = {  # CFG on (ramp 1 → 3), different frame counts; one guided call
    "a": dict(num_frames=3, seed=1),
    "b": dict(num_frames=5, seed=2),
    "guided": dict(num_frames=4, seed=3, reference=(np.arange(4 * 64 * 64 * 3) % 251).astype(np.uint8).reshape(4, 64, 64, 3),
                   reference_mask=np.pad(np.ones((4, 20, 20), bool), ((0, 0), (10, 34), (30, 14)))),
}  # fmt: skip


def _call(pipe, name):
    kw = dict(CALLS[name])
    seed = kw.pop("seed")
    out = pipe(_image(seed), height=64, width=64, num_inference_steps=STEPS, min_guidance_scale=1.0,
               max_guidance_scale=3.0, decode_chunk_size=2, generator=torch.Generator().manual_seed(seed),
               output_type="np", **kw)  # fmt: skip
    return np.asarray(out.frames)


def _lockstep(pipe, names):
    """Run ``names`` in threads whose UNet calls go in lockstep (a barrier before every UNet call), so the
    steps of one call fall between steps of the other; when one call ends the other runs on alone."""
    barrier = threading.Barrier(len(names), timeout=60)
    forward = pipe.unet.forward

    def synced(*a, **k):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:  # the other call has finished
            pass
        return forward(*a, **k)

    pipe.unet.forward = synced
    results, errors = {}, []

    def work(name):
        try:
            results[name] = _call(pipe, name)
        except BaseException as e:  # noqa: B036 - reported below
            errors.append(e)
        finally:
            barrier.abort()  # release the other thread

    threads = [threading.Thread(target=work, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pipe.unet.forward = forward
    assert not errors, errors
    return results


def test_concurrent_calls_equal_sequential_calls():
    pipe = small_motion_svd_pipeline(TINY)
    sequential = {n: _call(pipe, n) for n in CALLS}
    for pair in (("a", "b"), ("a", "guided")):
        concurrent = _lockstep(pipe, pair)
        for n in pair:
            assert concurrent[n].shape == (1, CALLS[n]["num_frames"], 64, 64, 3)
            assert np.array_equal(concurrent[n], sequential[n]), n
    assert not hasattr(pipe, "_guidance_scale") and not hasattr(pipe, "_num_timesteps")  # no per-call state on self
