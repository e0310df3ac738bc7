"""The cosine learning-rate schedule: by steps, or by --max-time when time runs out first."""

import math

import numpy as np
import pytest
import torch

from conftest import train_tiny
from rnncli.model.model_file import load_model
from rnncli.train.schedule import CosineSchedule


def optimizer(lr=0.01):
    return torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))], lr=lr)


def rates(schedule, steps):
    out = []
    for _ in range(steps):
        schedule.step()
        out.append(schedule.get_last_lr()[0])
    return out


def test_without_max_time_the_rates_are_the_step_cosine_to_the_bit():
    """The bundled models were trained under torch's LambdaLR with this cosine; they reproduce."""
    reference_opt = optimizer()
    total = 37
    reference = torch.optim.lr_scheduler.LambdaLR(reference_opt, lambda step: 0.05 + 0.95 * 0.5 * (
        1 + math.cos(math.pi * min(step, total) / total)))
    expected = []
    for _ in range(45):
        reference_opt.step()
        reference.step()
        expected.append(reference.get_last_lr()[0])
    opt = optimizer()
    assert rates(CosineSchedule(opt, 0.01, 0.05, total, None, clock=lambda: 1e9), 45) == expected
    assert opt.param_groups[0]["lr"] == expected[-1] == pytest.approx(0.0005)


def test_under_max_time_the_rate_comes_down_with_the_time_spent():
    now = [0.0]
    schedule = CosineSchedule(optimizer(), 0.01, 0.05, 1000, 100.0, clock=lambda: now[0])
    seen = []
    for t in (10.0, 50.0, 40.0, 100.0, 250.0):  # the clock runs, a step lags (40 < 50), time is up
        now[0] = t
        schedule.step()
        seen.append(schedule.get_last_lr()[0])
    assert seen[0] == pytest.approx(0.01 * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * 0.1))))
    assert seen[1] == pytest.approx(0.00525) and seen[2] == seen[1]  # halfway in time; never backs up
    assert seen[3] == seen[4] == pytest.approx(0.0005)  # the floor when time is up
    assert schedule.state_dict() == {"steps": 5, "time_share": 1.0}


def test_steps_lead_when_they_run_out_before_the_time():
    schedule = CosineSchedule(optimizer(), 0.01, 0.05, 4, 3600.0, clock=lambda: 1.0)
    assert rates(schedule, 4)[-1] == pytest.approx(0.0005)


def test_a_damaged_schedule_state_is_refused():
    schedule = CosineSchedule(optimizer(), 0.01, 0.05, 4, None, clock=lambda: 0.0)
    for bad in ({"steps": -1, "time_share": 0.0}, {"steps": 1, "time_share": 1.5}, {"steps": "1", "time_share": 0}):
        with pytest.raises(ValueError):
            schedule.load_state_dict(bad)
    schedule.load_state_dict({"steps": 4, "time_share": 0.25})
    assert schedule.get_last_lr()[0] == pytest.approx(0.0005)


def test_a_max_time_never_reached_leaves_the_weights_as_without_one(tiny_model, tmp_path):
    """So a recorded command with --max-time that ran all its epochs reproduces its model."""
    timed = load_model(train_tiny(tmp_path / "timed.safetensors", max_time=3600.0).out)
    plain = load_model(tiny_model)
    for key in plain.weights:
        np.testing.assert_array_equal(plain.weights[key], timed.weights[key])
