"""Trains the homework's PyTorch model from a `workbench poem` checkpoint for a few steps and
compares with the same steps taken by `workbench poem train`.

Both start from the same weights (CHECKPOINT), read the batches in corpus order
(`--no-shuffle`), and use Adam (lr 3e-3) with gradient clipping at 1. The script prints the
loss of every step of both runs and the largest weight difference at the end.

usage:
  workbench poem train --corpus C --steps 0 --out init                  # the initial weights
  workbench poem train --corpus C --init-from init/poem.safetensors --no-shuffle --steps N --out swift
  python scripts/compare_poem_training.py init/poem.safetensors swift/poem.safetensors C --steps N
needs: torch, safetensors
"""
import argparse
import json

import safetensors
import safetensors.torch
import torch
import torch.nn as nn

from check_poem_checkpoint import RNN_model, word_embedding


def main():
    p = argparse.ArgumentParser()
    p.add_argument("initial")
    p.add_argument("trained")
    p.add_argument("corpus")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=32)
    a = p.parse_args()
    torch.set_num_threads(2)

    with safetensors.safe_open(a.initial, framework="pt") as f:
        meta = f.metadata()
    vocab = meta["vocabulary"]
    rows, emb, hid, layers = (int(meta[k]) for k in ("rows", "embedding_dim", "hidden_size", "layers"))
    model = RNN_model(rows, word_embedding(rows, emb), emb, hid, layers)
    model.load_state_dict(safetensors.torch.load_file(a.initial), strict=True)
    index = {c: i for i, c in enumerate(vocab)}
    lines = [l.rstrip("\n") for l in open(a.corpus, encoding="utf-8") if l.strip()]
    data = torch.tensor([[index["G"]] + [index[c] for c in l] + [index["E"]] for l in lines])
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    ce = nn.CrossEntropyLoss()
    B = a.batch_size
    losses = []
    for s in range(a.steps):
        chunk = data[(s % (len(data) // B)) * B:][:B]
        loss = ce(model(chunk[:, :-1], B), chunk[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    theirs = safetensors.torch.load_file(a.trained)
    diffs = {k: (v - theirs[k]).abs().max().item() for k, v in model.state_dict().items()}
    blocks = [sum(losses[i:i + 100]) / len(losses[i:i + 100]) for i in range(0, len(losses), 100)]
    print(json.dumps({"torch_step_losses": losses if a.steps <= 40 else None, "torch_mean_loss_per_100_steps": blocks,
                      "max_abs_weight_difference": diffs}, indent=1))


if __name__ == "__main__":
    main()
