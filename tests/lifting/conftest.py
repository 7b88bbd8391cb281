"""Shared fixtures of the lifting tests."""

import pytest


@pytest.fixture(scope="module")
def default_skeleton():
    """The default SMPL-X skeleton S2 fits with (``revision.lifting.extract._default_skeleton``); skips without one."""
    from revision.lifting.extract import _default_skeleton

    sk, why = _default_skeleton()
    if why:
        pytest.skip(why)
    return sk
