"""Gradients made visible, and the lecture's experiments (torch, except `stats`, `budget`,
`checks` and `clue`).

Gradient explanations of trained models (explain-gradients):

- `unroll`: the trained recurrent cells unrolled one step at a time, so that every state
  h_t (and the LSTM's c_t) is a node whose gradient can be read (`unroll`, `Unrolled`), and
  the LSTM's gates per step (`lstm_gates`).
- `sentence`: one text: `explain_models` and `explain` give an `Explanation` per model
  (|g_t| per token through the recurrence, the gates, saliency); `open_models`.
- `corpus`: many sentences of a file (`read_corpus`, `explain_corpus`): the decay by distance,
  as median and quartiles across sentences (`CorpusExplanation`).
- `synthetic`: random weights of a chosen spectral radius (`synthetic_cells`, `synthetic`,
  `SyntheticResult`), with the closed form for the linear RNN and gradient clipping.
- `budget`: the memory an unrolled run needs, estimated before it starts (MEMORY_LIMIT,
  `check_fits`, `chunks`); `synthetic` and `memory` refuse runs that would not fit.
- `stats` (numpy only): the decay factor and reach of one list of norms (`decay_summary`, in words `summary_line`),
  the verdict rule (`verdict`, `summary_with_verdict`, VERDICT_RULE) and `quartiles`.

The lecture's experiments (rnncli experiment):

- `memory`: can an RNN, an LSTM and a GRU remember across N steps (`memory_experiment`,
  `MemoryResult` and its `findings`).
- `tanh`: stacked linear RNN layers collapse into one affine map; tanh learns
  (`tanh_experiment`, `TanhRun.affine`).
- `experiment_common`: what both share: the cells' comparison order (DEFAULT_CELLS), random
  streams and the training loop (`train_adam`); `checks` (no torch): the option checks.
- `clue` (numpy only): the lecture's "I grew up in Korea ... as easy as (Korean)" on trained
  language models: accuracy, p(right) and the clue's gain by distance (`clue_experiment`).

This package imports nothing itself, so that importing it loads no torch.
"""
