"""Times one epoch of the homework's poem LSTM in PyTorch on the CPU: the comparison that
`workbench poem bench` runs beside its own trainer (it starts this script and reads its JSON).

The model and the loop are the homework's (Lab 5), as the Swift trainer implements them:
  - corpus: one poem per line, an optional `title:` prefix dropped (ASCII or full-width
    colon), whitespace removed, lines with reserved characters (G, E, _, brackets) or of a
    length outside 2...200 skipped; every poem wrapped as G + poem + E;
  - vocabulary: every character by descending count, ties in order of first appearance;
    the embedding and output layers have one spare row (vocabulary + 1), used as padding;
  - nn.Embedding(rows, 100) initialised U(-1, 1) -> nn.LSTM(100, 128, num_layers=2,
    batch_first=True) -> nn.Linear(128, rows) with a Xavier-uniform weight;
  - cross-entropy averaged over every real target position (padding ignored), Adam with
    lr 3e-3, gradient-norm clipping at 1, batches of 32, poems shuffled every epoch,
    floor(N / 32) batches per epoch.
Timing covers the training steps only (not reading the corpus or building the model); with
--batches N each epoch stops after N batches and the epoch's time is projected from them.

usage: python scripts/torch_poem_bench.py CORPUS [--batches N] [--epochs E] [--threads T]
                                                 [--seed S] [--batch-size B]
output (stdout, JSON): torch version, CPU capability, threads, and per epoch the batches
timed, seconds, seconds per batch, projected epoch seconds and mean loss.
To restrict PyTorch to AVX2 (as a Swift build for an AVX2 machine), set
ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2 ONEDNN_MAX_CPU_ISA=AVX2.
needs: torch, numpy
"""
import argparse
import collections
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn

RESERVED = set("GE_(（《[【")
START, END = "G", "E"
IGNORE = -100


def read_poems(path):
    poems = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                continue
            cut = [i for i, ch in enumerate(line) if ch in ":："]
            if cut:
                line = line[cut[0] + 1:]
            text = "".join(ch for ch in line if not ch.isspace())
            if not text or any(ch in RESERVED for ch in text) or not 2 <= len(text) <= 200:
                continue
            poems.append(START + text + END)
    return poems


def vocabulary(poems):
    counts = collections.Counter()
    for p in poems:
        counts.update(p)
    # Counter keeps first-insertion order and sorted() is stable: ties stay in order of appearance.
    return {ch: i for i, (ch, _) in enumerate(sorted(counts.items(), key=lambda kv: -kv[1]))}


class PoemModel(nn.Module):
    def __init__(self, rows):
        super().__init__()
        self.embedding = nn.Embedding(rows, 100)
        nn.init.uniform_(self.embedding.weight, -1.0, 1.0)
        self.lstm = nn.LSTM(100, 128, num_layers=2, batch_first=True)
        self.fc = nn.Linear(128, rows)
        nn.init.xavier_uniform_(self.fc.weight)

    def forward(self, tokens):
        hidden, _ = self.lstm(self.embedding(tokens))
        return self.fc(hidden.reshape(-1, hidden.shape[-1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("--batches", type=int, default=0, help="batches timed per epoch (0: all)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    if args.batches < 0 or args.epochs < 1 or args.threads < 1 or args.batch_size < 1:
        sys.exit("error: --batches must be >= 0, --epochs, --threads and --batch-size >= 1")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    poems = read_poems(args.corpus)
    if not poems:
        sys.exit(f"error: no usable poem in {args.corpus}")
    index = vocabulary(poems)
    rows = len(index) + 1
    pad = rows - 1
    lengths = np.array([len(p) for p in poems])
    span = int(lengths.max())
    tokens = np.full((len(poems), span), pad, dtype=np.int64)
    for n, p in enumerate(poems):
        tokens[n, :len(p)] = [index[ch] for ch in p]
    # Targets: the next token, or IGNORE past the end of the poem.
    targets = np.full((len(poems), span - 1), IGNORE, dtype=np.int64)
    for n, p in enumerate(poems):
        targets[n, :len(p) - 1] = tokens[n, 1:len(p)]

    model = PoemModel(rows)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss(ignore_index=IGNORE)
    batch = min(args.batch_size, len(poems))
    per_epoch = len(poems) // batch
    steps = per_epoch if args.batches == 0 else min(args.batches, per_epoch)

    report = {"torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(),
              "threads": torch.get_num_threads(), "poems": len(poems), "rows": rows,
              "batch_size": batch, "batches_per_epoch": per_epoch, "epochs": []}
    for _ in range(args.epochs):
        order = rng.permutation(len(poems))
        losses = []
        start = time.perf_counter()
        for b in range(steps):
            chosen = order[b * batch:(b + 1) * batch]
            width = int(lengths[chosen].max())  # padded to the longest poem of the batch
            x = torch.from_numpy(tokens[chosen, :width - 1])
            y = torch.from_numpy(np.ascontiguousarray(targets[chosen, :width - 1]).reshape(-1))
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            losses.append(loss.item())
        seconds = time.perf_counter() - start
        report["epochs"].append({"batches": steps, "seconds": seconds, "seconds_per_batch": seconds / steps,
                                 "projected_epoch_seconds": seconds / steps * per_epoch,
                                 "mean_loss": float(np.mean(losses))})
    print(json.dumps(report))


if __name__ == "__main__":
    main()
