"""How the gradient of one prediction reaches the earlier tokens of one text (torch).

`explain_models` tokenizes the text and gives an `Explanation` per model: |g_t| per token
through the recurrence (see `unroll`), with respect to the input vectors too, and for an
LSTM its gates per token. `open_models` and `prediction_logp` are shared with `corpus`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import torch

from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.explain.stats import summary_with_verdict
from rnncli.explain.unroll import Unrolled, lstm_gates, unroll
from rnncli.model.encoding import encode
from rnncli.model.model_file import ModelFile
from rnncli.model.tagsets import default_head
from rnncli.train.model import batch_tensors, model_from_file, pool

MAX_TOKENS = 1000  # every step of the unrolled network is kept for its gradient: memory grows with length
DEFAULT_TEXT = ("I grew up in Korea , so when I moved to Canada for university I practised every day , reading "
                "books , watching films and talking with friends , until my English was as comfortable as my Korean")


@dataclass
class Explanation:
    """Gradient norms for one model on one text, aligned with `tokens`. For an LSTM, also the
    first layer's left-to-right gates per token (see `lstm_gates`)."""

    name: str
    cell: str
    tokens: list[str]
    prediction: dict  # {"label" or "tag", "prob", "position"}
    grad_norms: list[float]  # |g_t| wrt h_t, through the recurrence from the last step
    x_grad_norms: list[float]  # the same wrt the input vector x_t
    c_grad_norms: list[float] = field(default_factory=list)  # LSTM: wrt c_t
    forget_gate_mean: list[float] = field(default_factory=list)  # LSTM: mean forget gate per step
    saliency: list[float] = field(default_factory=list)  # gradient x input of the prediction, per token
    input_gate_mean: list[float] = field(default_factory=list)  # LSTM: mean input gate per step
    output_gate_mean: list[float] = field(default_factory=list)  # LSTM: mean output gate per step
    cell_state_norm: list[float] = field(default_factory=list)  # LSTM: |c_t| per step

    def summary(self) -> dict:
        return summary_with_verdict(self.grad_norms)

    def gates(self) -> dict:
        """LSTM: the per-token gate means and |c_t| (JSON keys as in `to_dict`); {} otherwise."""
        if not self.input_gate_mean:
            return {}
        return {"input_gate_mean": self.input_gate_mean, "forget_gate_mean": self.forget_gate_mean,
                "output_gate_mean": self.output_gate_mean, "cell_state_norm": self.cell_state_norm}

    def to_dict(self) -> dict:
        out = {"model": self.name, "cell": self.cell, "prediction": self.prediction,
               "grad_norms": self.grad_norms, "x_grad_norms": self.x_grad_norms, **self.summary()}
        if self.c_grad_norms:
            out["c_grad_norms"], out["forget_gate_mean"] = self.c_grad_norms, self.forget_gate_mean
        out.update(self.gates())
        if self.saliency:
            out["saliency"] = self.saliency
        return out


def prediction_logp(net: torch.nn.Module, model: ModelFile, u: Unrolled, lengths: torch.Tensor) -> tuple:
    """log-probabilities (..., C) of the prediction explained (the sentiment label, or the last
    token's tag) and the class names."""
    config = model.config
    if config.task == "sentiment":
        top = u.top if u.top.dim() == 3 else u.top.unsqueeze(0)  # (B, T, D*H)
        v = pool(top, lengths, config, getattr(net, "attn", None))  # (B, D*H)
        logp = net.heads["label"](v).log_softmax(-1)  # (B, C)
        return (logp if u.top.dim() == 3 else logp[0]), model.labels["label"]
    head = default_head(model.labels)
    return net.heads[head](u.top[..., -1, :]).log_softmax(-1), model.labels[head]


def explain(model: ModelFile, tokens: list[str], saliency: bool = False,
            net: torch.nn.Module | None = None) -> Explanation:
    """Gradient norms of `model`'s prediction for `tokens`: the sentiment label, or for a
    tagger the last token's UPOS tag (which a left-to-right pass reads from h_T). For an
    LSTM, also the gates per token. `net`: model_from_file(model), when the caller has it."""
    config = model.config
    net = model_from_file(model) if net is None else net
    batch = batch_tensors(encode([tokens], model.words, model.chars, config.max_word_chars))
    with torch.no_grad():
        x = net.word_features(batch["words"], batch["chars"], batch["char_lengths"], batch["char_index"])[0]  # (T, F)
    x = x.clone().requires_grad_(True)
    u = unroll(net.rnn, config.cell, config.activation, config.layers, config.bidirectional, config.hidden, x)
    T = len(tokens)
    logp, labels = prediction_logp(net, model, u, batch["lengths"])  # (C,)
    best = int(logp.argmax())
    loss = logp[best]
    g_T, x_grad = torch.autograd.grad(loss, [u.h[-1], x], retain_graph=True)  # (H,), (T, F)
    # Through time only: what of g_T reaches each earlier step along the recurrence.
    through = torch.autograd.grad(u.h[-1], u.h + u.c + [x], grad_outputs=g_T, allow_unused=True, retain_graph=True)
    norm = lambda g: 0.0 if g is None else float(g.detach().norm())  # noqa: E731
    h_norms = [norm(g) for g in through[:T]]
    c_norms = [norm(g) for g in through[T:T + len(u.c)]]
    x_through = through[-1]  # (T, F), or None when no input reaches h_T through the recurrence
    explanation = Explanation(
        name=model.name, cell=config.cell, tokens=tokens,
        prediction={"task": config.task, "label": labels[best], "prob": float(logp[best].detach().exp()),
                    "position": T - 1},
        grad_norms=h_norms, x_grad_norms=[0.0] * T if x_through is None else [norm(r) for r in x_through],
        c_grad_norms=c_norms, forget_gate_mean=[float(f.detach().mean()) for f in u.forget])
    if config.cell == "lstm":
        gates = lstm_gates(net.rnn, x, u.h, u.c)
        explanation.input_gate_mean = gates["input_gate_mean"]
        explanation.output_gate_mean = gates["output_gate_mean"]
        explanation.cell_state_norm = gates["cell_state_norm"]
    if saliency:
        explanation.saliency = [float(v) for v in (x_grad * x).sum(-1).detach()]
    return explanation


def explain_models(specs: list[str], task: str, text: str | None = None,
                   saliency: bool = False) -> tuple[list[str], list[Explanation]]:
    """The tokens of `text` (DEFAULT_TEXT when None) and an Explanation per model (bundled
    name or path) of `task`."""
    from rnncli.text.hygiene import clean
    from rnncli.text.rules import tokenize

    text = DEFAULT_TEXT if text is None else text
    if len(text) > 20 * MAX_TOKENS:  # refuse before tokenizing a book
        raise RnnCliError(f"explain-gradients reads at most {MAX_TOKENS:,} tokens; give a shorter text", EXIT_USAGE)
    tokens = tokenize(" ".join(clean(text).split()))[0]
    if not tokens:
        raise RnnCliError("the text is empty; give some words to explain", EXIT_USAGE)
    if len(tokens) > MAX_TOKENS:
        raise RnnCliError(f"explain-gradients reads at most {MAX_TOKENS:,} tokens (this text has {len(tokens):,}); "
                          "give a shorter text", EXIT_USAGE)
    return tokens, [explain(model, tokens, saliency) for model in open_models(specs, task)]


def open_models(specs: list[str], task: str) -> list[ModelFile]:
    """The models (bundled names or paths) of `task`, each file once. Results are keyed by the
    model's name (JSON, TSV columns, the plot), so two files of one name are a usage error."""
    from rnncli.model.bundled import open_model, resolve_model

    models = {}
    for spec in specs:
        path = os.path.realpath(resolve_model(spec, task))
        if path not in models:
            models[path] = open_model(spec, task)
    names = [m.name for m in models.values()]
    twice = next((name for name in names if names.count(name) > 1), None)
    if twice is not None:
        raise RnnCliError(f"two models named {twice!r}: give models of different names (see rnncli info)", EXIT_USAGE)
    return list(models.values())
